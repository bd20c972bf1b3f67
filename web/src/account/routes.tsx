// The account area: sign up, sign in, home (the account).
import type { RouteDef } from "../router";
import { messages } from "../i18n";
import { SignIn, SignUp } from "./auth";
import { Home } from "./home";

export const accountRoutes: RouteDef[] = [
  { path: "", title: (l) => messages[l].account, nav: (l) => messages[l].home, render: () => <Home /> },
  { path: "sign-in", title: (l) => messages[l].signIn, access: "signed-out", render: () => <SignIn /> },
  { path: "sign-up", title: (l) => messages[l].signUp, access: "signed-out", render: () => <SignUp /> },
];
