// The inbox (GET /v1/notifications): newest first, paged by cursor, each unread item with
// "mark read" (POST /v1/notifications/{id}/read), and "mark all read" (POST .../read-all).
import { useEffect, useState } from "preact/hooks";
import { api, call, type Shown } from "../api/client";
import type { components } from "../api/schema";
import { useLang, useMessages } from "../i18n";
import { Loaded, useAction, useLoad } from "../load";
import { Card, ProblemBanner } from "../screens/form";
import { notificationMessages } from "./messages";
import { unreadCount } from "./unread";

type Item = components["schemas"]["Notification"];
type Page = components["schemas"]["InboxPage"];

export function Inbox() {
  const m = useMessages(notificationMessages);
  const lang = useLang();
  const first = useLoad(() => api.GET("/v1/notifications", { params: { query: { limit: 20 } } }));
  const [items, setItems] = useState<Item[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [unread, setUnread] = useState(0);
  const [moreProblem, setMoreProblem] = useState<Shown | null>(null);
  const action = useAction();
  useEffect(() => {
    if (!first.data) return;
    setItems(first.data.items);
    setCursor(first.data.nextCursor ?? null);
    setUnread(first.data.unreadCount);
    unreadCount.set(first.data.unreadCount);
  }, [first.data]);
  const when = new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-US", { dateStyle: "medium", timeStyle: "short" });

  const counted = (n: number) => {
    setUnread(n);
    unreadCount.set(n);
  };
  async function more() {
    if (!cursor) return;
    const o = await call(api.GET("/v1/notifications", { params: { query: { limit: 20, cursor } } }));
    setMoreProblem(o.problem);
    if (o.data) {
      const page: Page = o.data;
      setItems((old) => [...old, ...page.items]);
      setCursor(page.nextCursor ?? null);
      counted(page.unreadCount);
    }
  }
  async function markRead(id: string) {
    const read = await action.run(() => api.POST("/v1/notifications/{id}/read", { params: { path: { id } } }));
    if (read) {
      setItems((old) => old.map((i) => (i.id === id ? read : i)));
      counted(Math.max(0, unread - 1));
      void unreadCount.refresh();
    }
  }
  async function readAll() {
    const done = await action.run(() => api.POST("/v1/notifications/read-all"));
    if (done) {
      const now = new Date().toISOString();
      setItems((old) => old.map((i) => ({ ...i, readAt: i.readAt ?? now })));
      counted(done.unreadCount);
    }
  }

  return (
    <Card title={m.inboxTitle} wide>
      <Loaded load={first}>
        {() => (
          <>
            <div class="inbox-head">
              <p aria-live="polite" data-testid="unread-count">
                {m.unread(unread)}
              </p>
              {unread > 0 && (
                <button type="button" class="secondary" disabled={action.busy} onClick={() => void readAll()}>
                  {m.readAll}
                </button>
              )}
            </div>
            <ProblemBanner problem={action.problem} onRetry={action.retry} />
            {items.length === 0 ? (
              <p>{m.empty}</p>
            ) : (
              <ul class="inbox" data-testid="inbox">
                {items.map((item) => (
                  <li class={item.readAt ? "inbox-item" : "inbox-item unread"} data-type={item.type} data-testid="inbox-item">
                    <div class="inbox-text">
                      <p class="inbox-title">
                        {!item.readAt && <span class="visually-hidden">{m.unread(1)}: </span>}
                        {item.title}
                      </p>
                      <p class="inbox-body">{item.body}</p>
                      <p class="inbox-when">
                        <time dateTime={item.createdAt}>{when.format(new Date(item.createdAt))}</time>
                        {item.readAt && <span> · {m.read}</span>}
                      </p>
                    </div>
                    {!item.readAt && (
                      <button type="button" class="secondary" disabled={action.busy} onClick={() => void markRead(item.id)}>
                        {m.markRead}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
            <ProblemBanner problem={moreProblem} onRetry={() => void more()} />
            {cursor && (
              <button type="button" class="secondary more" onClick={() => void more()}>
                {m.more}
              </button>
            )}
          </>
        )}
      </Loaded>
    </Card>
  );
}

/** The unread count beside the inbox link (nothing when there is none). */
export function UnreadBadge() {
  const m = useMessages(notificationMessages);
  const [n, setN] = useState(unreadCount.get());
  useEffect(() => {
    const off = unreadCount.subscribe(setN);
    const refresh = () => void unreadCount.refresh();
    refresh();
    window.addEventListener("hashchange", refresh);
    return () => {
      off();
      window.removeEventListener("hashchange", refresh);
    };
  }, []);
  if (!n) return null;
  return (
    <span class="badge" data-testid="unread-badge">
      <span aria-hidden="true">{n}</span>
      <span class="visually-hidden">{m.unread(n)}</span>
    </span>
  );
}
