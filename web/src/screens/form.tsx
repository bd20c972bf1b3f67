// What every form shares: a labelled field with its error next to it, and the problem
// banner above the form for anything that is not about one field.
import type { ComponentChildren } from "preact";
import type { Problem, Shown } from "../api/client";
import { useT } from "../i18n";

export type FieldErrors = Record<string, string>;

/**
 * The `errors[]` of a validation problem, by field (the first message of each), in the
 * screen's language where it has a sentence for the field, else the API's.
 */
export function fieldErrors(problem: Problem | null, translated: Record<string, string>): FieldErrors {
  const out: FieldErrors = {};
  for (const e of problem?.errors ?? []) out[e.field] ??= translated[e.field] ?? e.message;
  return out;
}

export function Field(props: {
  name: string;
  label: string;
  type?: "text" | "email" | "password";
  value: string;
  autocomplete?: string;
  hint?: string;
  error?: string;
  onInput: (value: string) => void;
}) {
  const id = `field-${props.name}`;
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`]
    .filter(Boolean)
    .join(" ");
  // One element per type: Preact's types tie each input type to the attributes it allows.
  const common = {
    id,
    name: props.name,
    value: props.value,
    autocomplete: props.autocomplete,
    required: true,
    "aria-invalid": props.error ? ("true" as const) : undefined,
    "aria-describedby": described || undefined,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id}>{props.label}</label>
      {props.type === "password" ? (
        <input type="password" {...common} />
      ) : props.type === "email" ? (
        <input type="email" {...common} />
      ) : (
        <input type="text" {...common} />
      )}
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

/**
 * The problem above a form or a screen: a translated sentence for known codes, else the API's
 * `detail`, with the `code` and `requestId` to quote. A 429 says when to try again; network
 * loss and 5xx offer `onRetry` (what was typed stays where it was).
 */
/** The email field of sign-up, sign-in and the forgotten password. */
export function EmailField(props: { value: string; error?: string; autocomplete: string; onInput: (v: string) => void }) {
  const t = useT();
  return <Field name="email" label={t.email} type="email" {...props} />;
}

/** A password field: `password` unless named otherwise (a new password, the current one). */
export function PasswordField(props: {
  name?: string;
  label?: string;
  value: string;
  error?: string;
  hint?: string;
  autocomplete: "current-password" | "new-password";
  onInput: (v: string) => void;
}) {
  const t = useT();
  return <Field {...props} name={props.name ?? "password"} label={props.label ?? t.password} type="password" />;
}

export function ProblemBanner(props: {
  problem: Shown | null;
  onRetry?: () => void;
  /** An area's sentences for its own codes (e.g. `invalid_code`), before the shared ones. */
  messages?: Record<string, string>;
}) {
  const t = useT();
  const p = props.problem;
  if (!p) return null;
  const hasFields = (p.errors?.length ?? 0) > 0;
  // A 5xx without a sentence of its own (e.g. a gateway's 502 `bad_gateway`) is the server's passing problem.
  const known = props.messages?.[p.code] ?? t.problems[p.code] ?? (p.status >= 500 ? t.problems.server : undefined);
  const text = hasFields ? t.fieldErrors : (known ?? (p.detail || t.problems.unexpected));
  const retryable = p.code === "network" || p.code === "server" || p.status >= 500;
  return (
    <div class="problem" role="alert" data-problem-code={p.code}>
      <p>{text}</p>
      {p.status === 429 && p.retryAfter !== undefined && <p data-retry-after={p.retryAfter}>{t.retryIn(p.retryAfter)}</p>}
      {!hasFields && p.code !== "network" && (
        <p class="problem-code">
          <code>{p.code}</code>
          {p.requestId && <span> · {p.requestId}</span>}
        </p>
      )}
      {retryable && props.onRetry && (
        <button type="button" class="secondary retry" onClick={props.onRetry}>
          {t.retry}
        </button>
      )}
    </div>
  );
}

/** A screen's card with its title (the page's h1); `wide` for lists, charts and tables. */
export function Card(props: { title: string; wide?: boolean; children: ComponentChildren }) {
  return (
    <section class={props.wide ? "card wide" : "card"} aria-labelledby="screen-title">
      <h1 id="screen-title">{props.title}</h1>
      {props.children}
    </section>
  );
}
