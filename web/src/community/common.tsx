// What the community (and shop) screens share: times in the current language, who wrote
// something, a list read page by page, a labelled text area, and problems in the area's words.
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, call, type Shown } from "../api/client";
import { useLang } from "../i18n";
import { useLoad } from "../load";
import { ProblemBanner } from "../screens/form";
import { useSession } from "../session";

/** A time as the current language writes it (e.g. "2026. 12. 3. 오후 4:55" / "Dec 3, 2026, 4:55 PM"). */
export function useDateTime(): (iso: string) => string {
  const lang = useLang();
  const f = new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-US", { dateStyle: "medium", timeStyle: "short" });
  return (iso) => f.format(new Date(iso));
}

/** The signed-in student's id (GET /v1/users/me once, when no screen has loaded it yet). */
export function useMyId(): string | null {
  const session = useSession();
  const known = session.user !== null;
  useEffect(() => {
    if (known) return;
    void call(api.GET("/v1/users/me")).then((o) => o.data && session.setUser(o.data));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [known]);
  return session.user?.id ?? null;
}

/**
 * A problem with the area's own sentence for its known codes, as its detail: for <Loaded>,
 * whose banner takes no `messages` (the screens' own banners pass `messages`).
 */
export function inWords(problem: Shown | null, words: Record<string, string>): Shown | null {
  if (!problem) return null;
  const sentence = words[problem.code];
  return sentence ? { ...problem, detail: sentence } : problem;
}

type Page<T> = { items: T[]; nextCursor: string | null };
type PageRequest<T> = (cursor?: string) => Promise<{ data?: Page<T>; error?: unknown; response: Response }>;

/**
 * A list read a page at a time: the first page on open (useLoad), then "more" appends the
 * page after the last one's cursor. `add` puts a new item at the start or the end.
 */
export function usePaged<T extends { id: string }>(request: PageRequest<T>, deps: unknown[] = []) {
  const first = useLoad(() => request(), deps);
  const [more, setMore] = useState<{ items: T[]; cursor: string | null | undefined }>({ items: [], cursor: undefined });
  const [problem, setProblem] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);
  const cursor = more.cursor === undefined ? (first.data?.nextCursor ?? null) : more.cursor;
  const seen = new Set<string>();
  const items = [...(first.data?.items ?? []), ...more.items].filter((i) => !seen.has(i.id) && seen.add(i.id));
  async function loadMore() {
    if (!cursor) return;
    setBusy(true);
    const o = await call(request(cursor));
    setBusy(false);
    setProblem(o.problem);
    if (o.data) setMore({ items: [...more.items, ...o.data.items], cursor: o.data.nextCursor });
  }
  function add(item: T, at: "start" | "end") {
    if (!first.data) return;
    if (at === "start") first.setData({ ...first.data, items: [item, ...first.data.items] });
    else setMore({ ...more, items: [...more.items, item] });
  }
  return { first, items, cursor, loadMore, busy, problem, add };
}

/**
 * A labelled control (the `id` it gets) with its hint and its error next to it, as the shared
 * Field lays them out, for the controls Field does not have (a text area, a number).
 */
export function FieldBox(props: {
  name: string;
  label: string;
  hint?: string;
  error?: string;
  control: (a11y: { id: string; "aria-invalid"?: "true"; "aria-describedby"?: string }) => JSX.Element;
}) {
  const id = `field-${props.name}`;
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id}>{props.label}</label>
      {props.control({ id, "aria-invalid": props.error ? "true" : undefined, "aria-describedby": described || undefined })}
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${id}-error`} data-field-error={props.name}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A labelled, multi-line text field. */
export function TextArea(props: {
  name: string;
  label: string;
  value: string;
  hint?: string;
  error?: string;
  rows?: number;
  onInput: (value: string) => void;
}) {
  return (
    <FieldBox
      {...props}
      control={(a11y) => (
        <textarea
          {...a11y}
          name={props.name}
          class="community-textarea"
          rows={props.rows ?? 6}
          value={props.value}
          required
          onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)}
        />
      )}
    />
  );
}

/** Under a paged list: the problem of the last "more" (with a retry), and "more" while there is a next page. */
export function More(props: { list: { cursor: string | null; busy: boolean; problem: Shown | null; loadMore: () => Promise<void> }; label: string }) {
  const { list } = props;
  return (
    <>
      <ProblemBanner problem={list.problem} onRetry={() => void list.loadMore()} />
      {list.cursor && (
        <button type="button" class="secondary community-more" disabled={list.busy} onClick={() => void list.loadMore()} data-testid="more">
          {props.label}
        </button>
      )}
    </>
  );
}

/**
 * "Are you sure?" for what cannot be undone: the question, yes and no. Focus moves to "no"
 * when it opens (Escape says no too), so a stray Enter does nothing it would regret.
 */
export function Confirm(props: { name: string; question: string; yes: string; no: string; busy: boolean; onYes: () => void; onNo: () => void }) {
  const no = useRef<HTMLButtonElement>(null);
  useEffect(() => no.current?.focus(), []);
  return (
    <div
      class="community-confirm"
      role="alertdialog"
      aria-labelledby={`${props.name}-question`}
      data-testid={props.name}
      onKeyDown={(e) => e.key === "Escape" && props.onNo()}
    >
      <p id={`${props.name}-question`}>{props.question}</p>
      <button type="button" class="community-danger-solid" disabled={props.busy} onClick={props.onYes} data-testid={`${props.name}-yes`}>
        {props.yes}
      </button>{" "}
      <button type="button" class="secondary" ref={no} onClick={props.onNo}>
        {props.no}
      </button>
    </div>
  );
}
