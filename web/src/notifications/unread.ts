// The unread count that the inbox link shows: one number for the whole app, refreshed when
// the student moves between screens and set by the inbox when it marks items read.
import { api, call } from "../api/client";

let unread: number | null = null;
const listeners = new Set<(n: number | null) => void>();

export const unreadCount = {
  get: () => unread,
  set(n: number | null) {
    unread = n;
    listeners.forEach((l) => l(n));
  },
  async refresh() {
    const o = await call(api.GET("/v1/notifications", { params: { query: { limit: 1 } } }));
    if (o.data) unreadCount.set(o.data.unreadCount);
  },
  subscribe(listener: (n: number | null) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
