// What every form shares: a labelled field with its error next to it, and the problem
// banner above the form for anything that is not about one field.
import type { ComponentChildren } from "preact";
import type { Problem } from "../api/client";
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

export function ProblemBanner(props: { problem: Problem | null }) {
  const t = useT();
  const p = props.problem;
  if (!p) return null;
  const hasFields = (p.errors?.length ?? 0) > 0;
  const text = hasFields ? t.fieldErrors : (t.problems[p.code] ?? (p.detail || t.problems.unexpected));
  return (
    <div class="problem" role="alert" data-problem-code={p.code}>
      <p>{text}</p>
      {!hasFields && p.code !== "network" && (
        <p class="problem-code">
          <code>{p.code}</code>
          {p.requestId && <span> · {p.requestId}</span>}
        </p>
      )}
    </div>
  );
}

export function Card(props: { title: string; children: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby="screen-title">
      <h1 id="screen-title">{props.title}</h1>
      {props.children}
    </section>
  );
}
