// Tokens. The access token lives in memory only (a module variable: gone on reload, never
// in storage). The refresh token lives in sessionStorage: it survives a reload of this tab,
// ends with the tab, and is never sent by the browser on its own (no cookie, so no CSRF).
// The reasoning and the trade-offs are in docs/web.md.
import type { components } from "./api/schema";

type TokenPair = components["schemas"]["TokenPair"];

const REFRESH_KEY = "studyloop.refreshToken";
const baseUrl = import.meta.env.VITE_API_BASE ?? "";

let access: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

function storedRefresh(): string | null {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

export const auth = {
  accessToken: () => access,
  hasSession: () => access !== null || storedRefresh() !== null,

  /** Keeps a new pair from sign-up, sign-in or refresh. */
  signedIn(pair: TokenPair) {
    access = pair.accessToken;
    sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
  },

  /** Trades the refresh token for a new pair, once at a time; false when it no longer works. */
  refresh(): Promise<boolean> {
    const token = storedRefresh();
    if (!token) return Promise.resolve(false);
    refreshing ??= (async () => {
      try {
        const res = await fetch(`${baseUrl}/v1/auth/refresh`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ refreshToken: token }),
        });
        if (!res.ok) return false;
        auth.signedIn((await res.json()) as TokenPair);
        return true;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  },

  /** Forgets both tokens and returns the refresh token (for sign-out). */
  clear(): string | null {
    const token = storedRefresh();
    access = null;
    sessionStorage.removeItem(REFRESH_KEY);
    return token;
  },

  /** The session is over (a 401 that a refresh did not cure): everyone listening goes to sign-in. */
  expire() {
    auth.clear();
    listeners.forEach((l) => l());
  },

  onExpired(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
