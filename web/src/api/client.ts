// The typed API client: every path, body and answer comes from schema.d.ts, generated from
// docs/openapi.json (`make openapi`), so a contract change that breaks the app breaks
// `tsc --noEmit` (`make web-check`, in `make test`).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { auth } from "../auth";

export type User = components["schemas"]["User"];
export type Problem = components["schemas"]["Problem"];
export type SignedIn = components["schemas"]["SignedIn"];

// Same origin by default (the local cloud and the deployed site serve the app beside the
// API); VITE_API_BASE points a build elsewhere.
const baseUrl = import.meta.env.VITE_API_BASE ?? "";

/** The routes that take no access token and must never trigger a refresh. */
const PUBLIC = ["/v1/auth/"];

/**
 * fetch with the access token; on a 401 `unauthorized` it trades the refresh token once for a new pair
 * and replays the request, and when that fails too the session ends (→ sign-in).
 */
async function authorizedFetch(input: Request): Promise<Response> {
  const url = new URL(input.url, location.href);
  if (PUBLIC.some((p) => url.pathname.startsWith(p))) return fetch(input);
  const replay = input.clone();
  const sentWith = auth.accessToken();
  const first = await fetch(withToken(input));
  if (first.status !== 401) return first;
  // Only the token's 401 (`unauthorized`): a wrong password (`invalid_credentials`) is the answer.
  const problem = (await first
    .clone()
    .json()
    .catch(() => null)) as { code?: string } | null;
  if (problem?.code !== "unauthorized") return first;
  // Signed out meanwhile (sign-out, a deleted account): nothing to refresh or to end.
  if (!auth.hasSession()) return first;
  // Sent before a refresh that has finished since (the screen's other requests of a page's
  // first load, each refused for want of a token): the new token is already here, so replay
  // with it. Refreshing again would rotate the pair a second time for nothing, and a reload
  // while that second refresh is on its way loses the session: the server has rotated, the
  // tab never stored the new token, and its older one now reads as reused.
  const current = auth.accessToken();
  const refreshedMeanwhile = current !== null && current !== sentWith;
  if (!refreshedMeanwhile && !(await auth.refresh())) {
    auth.expire();
    return first;
  }
  const second = await fetch(withToken(replay));
  if (second.status === 401) auth.expire();
  return second;
}

function withToken(request: Request): Request {
  const token = auth.accessToken();
  if (!token) return request;
  const headers = new Headers(request.headers);
  headers.set("authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

export const api = createClient<paths>({ baseUrl, fetch: authorizedFetch });

/** A problem as a screen shows it: the API's body, and when to try again after a 429. */
export type Shown = Problem & { retryAfter?: number };

/**
 * A problem+json body, or a stand-in for a network failure (`response` null) or an answer
 * that is not a problem (e.g. a gateway's 502): `network`, `server` (5xx) or `unexpected`.
 */
export function asProblem(error: unknown, response: Response | null): Shown {
  const status = response?.status ?? 0;
  const retry = Number(response?.headers.get("retry-after"));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  if (error && typeof error === "object" && "code" in error) return { ...(error as Problem), retryAfter };
  return {
    code: status === 0 ? "network" : status >= 500 ? "server" : "unexpected",
    detail: "",
    requestId: response?.headers.get("x-request-id") ?? "",
    status,
    title: "",
    type: "about:blank",
    retryAfter,
  };
}

/** What a call came to: its data, or the problem to show (network loss included). */
export type Outcome<T> = { data: T; problem: null; response: Response } | { data: null; problem: Shown; response: Response | null };

/**
 * Awaits an openapi-fetch call and never throws: 2xx gives its data (null body → true for
 * 204s), anything else the problem to show.
 */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Outcome<T>> {
  try {
    const { data, error, response } = await request;
    if (response.ok) return { data: (data ?? (true as unknown)) as T, problem: null, response };
    return { data: null, problem: asProblem(error, response), response };
  } catch {
    return { data: null, problem: asProblem(null, null), response: null };
  }
}
