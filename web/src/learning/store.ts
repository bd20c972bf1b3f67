// Training sessions kept in this tab (sessionStorage): the API answers a session's
// exercises only when it starts (there is no GET of a session), so a reload finds them
// here, with the answers chosen so far and, once submitted, the result.
import type { Schemas } from "./common";

export interface KeptSession {
  session: Schemas["StartedSession"];
  /** One per exercise, null while unanswered. */
  answers: (number | null)[];
  result: Schemas["SessionResult"] | null;
}

const key = (sessionId: string) => `studyloop.learning.session.${sessionId}`;

export function keepSession(kept: KeptSession) {
  try {
    sessionStorage.setItem(key(kept.session.sessionId), JSON.stringify(kept));
  } catch {
    // storage full or blocked: the session still works until a reload
  }
}

export function keptSession(sessionId: string): KeptSession | null {
  try {
    const raw = sessionStorage.getItem(key(sessionId));
    return raw ? (JSON.parse(raw) as KeptSession) : null;
  } catch {
    return null;
  }
}
