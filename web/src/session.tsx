// The signed-in student, for every screen: who it is, and the ways in and out.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { SignedIn, User } from "./api/client";

export interface Session {
  signedIn: boolean;
  /** The account, once a screen has loaded or received it. */
  user: User | null;
  setUser: (user: User) => void;
  /** Keeps the tokens of a sign-up (`fresh`) or sign-in and shows home. */
  onSignedIn: (s: SignedIn, fresh: boolean) => void;
  /** Forgets the tokens, revokes the session and shows sign-in. */
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session>({
  signedIn: false,
  user: null,
  setUser: () => undefined,
  onSignedIn: () => undefined,
  signOut: async () => undefined,
});

export const useSession = () => useContext(SessionContext);
