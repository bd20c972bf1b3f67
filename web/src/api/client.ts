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
 * fetch with the access token; on a 401 it trades the refresh token once for a new pair
 * and replays the request, and when that fails too the session ends (→ sign-in).
 */
async function authorizedFetch(input: Request): Promise<Response> {
  const url = new URL(input.url, location.href);
  if (PUBLIC.some((p) => url.pathname.startsWith(p))) return fetch(input);
  const replay = input.clone();
  const first = await fetch(withToken(input));
  if (first.status !== 401) return first;
  if (!(await auth.refresh())) {
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

/** A problem+json body, or a stand-in for a network failure or a non-problem answer. */
export function asProblem(error: unknown, status: number): Problem {
  if (error && typeof error === "object" && "code" in error) return error as Problem;
  return {
    code: status === 0 ? "network" : "unexpected",
    detail: "",
    requestId: "",
    status,
    title: "",
    type: "about:blank",
  };
}
