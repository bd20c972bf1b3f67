// The account area: sign up, sign in, home (the account).
import type { RouteDef } from "../router";
import { messages } from "../i18n";
import { SignIn, SignUp } from "./auth";
import { DeleteAccount } from "./delete";
import { Home } from "./home";
import { accountMessages } from "./messages";
import { ChangePassword, ResetPassword } from "./password";
import { VerifyEmail } from "./verify";

export const accountRoutes: RouteDef[] = [
  { path: "", title: (l) => messages[l].account, nav: (l) => messages[l].home, render: () => <Home /> },
  { path: "sign-in", title: (l) => messages[l].signIn, access: "signed-out", render: () => <SignIn /> },
  { path: "sign-up", title: (l) => messages[l].signUp, access: "signed-out", render: () => <SignUp /> },
  {
    path: "password-reset",
    title: (l) => accountMessages[l].resetTitle,
    access: "signed-out",
    render: () => <ResetPassword />,
  },
  { path: "account/verify", title: (l) => accountMessages[l].verifyTitle, render: () => <VerifyEmail /> },
  { path: "account/password", title: (l) => accountMessages[l].passwordTitle, render: () => <ChangePassword /> },
  { path: "account/delete", title: (l) => accountMessages[l].deleteTitle, render: () => <DeleteAccount /> },
];
