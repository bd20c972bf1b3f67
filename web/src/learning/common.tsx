// What the learning screens share: their texts, skill names, dates, the problem banner with
// the area's own codes, and the bar chart of the result and of progress.
import type { ComponentChildren } from "preact";
import type { components } from "../api/schema";
import type { Shown } from "../api/client";
import { useLang, useMessages, type Lang } from "../i18n";
import { ProblemBanner } from "../screens/form";
import { learningMessages, type LearningMessages } from "./messages";

export type Schemas = components["schemas"];
export type Attempt = Schemas["Attempt"];

export const useL = () => useMessages(learningMessages);

/** A skill's name in the current language (the demo's three), else its slug in words. */
export function skillName(m: LearningMessages, skill: string): string {
  return m.skills[skill] ?? skill.replace(/-/g, " ");
}

export function formatDate(lang: Lang, iso: string, withTime = true): string {
  const options: Intl.DateTimeFormatOptions = withTime
    ? { dateStyle: "medium", timeStyle: "short" }
    : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-US", options).format(new Date(iso));
}

export function useFormatDate() {
  const lang = useLang();
  return (iso: string, withTime = true) => formatDate(lang, iso, withTime);
}

/** A problem with this area's sentence for its own codes in place of the API's English detail. */
export function inOwnWords(m: LearningMessages, p: Shown | null): Shown | null {
  const own = p ? m.problems[p.code] : undefined;
  return p && own ? { ...p, detail: own } : p;
}

/** A load whose problem speaks this area's words (for `<Loaded>`). */
export function useOwnWords<T extends { problem: Shown | null }>(load: T): T {
  return { ...load, problem: inOwnWords(useL(), load.problem) };
}

/**
 * The shared problem banner, with this area's sentence for its own codes (attempt_expired,
 * attempt_submitted, enrollment_required, not_found).
 */
export function LearningProblem(props: { problem: Shown | null; onRetry?: () => void }) {
  return <ProblemBanner problem={inOwnWords(useL(), props.problem)} onRetry={props.onRetry} />;
}

export interface Bar {
  key: string;
  label: string;
  /** 0 to 1. */
  ratio: number;
  /** The numbers, as text beside the bar. */
  value: string;
  /** A word that says what the colour says (e.g. "Needs work"). */
  note?: string;
  weak?: boolean;
}

/**
 * A horizontal bar chart as a table: screen readers read the caption, each label and the
 * numbers; the SVG bars are the picture of those numbers (hidden from them). `target` draws
 * a line across every bar (e.g. 0.8).
 */
export function BarChart(props: {
  caption: string;
  head: [string, string, string];
  bars: Bar[];
  target?: number;
  /** Blocks per bar (e.g. 5 levels), drawn as gaps. */
  segments?: number;
  testid: string;
}) {
  const gaps = Array.from({ length: Math.max(0, (props.segments ?? 1) - 1) }, (_, i) => ((i + 1) * 100) / props.segments!);
  return (
    <table class="learning-chart" data-testid={props.testid}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{props.head[0]}</th>
          <th scope="col" class="learning-chart-bar-head">
            <span class="visually-hidden">{props.head[1]}</span>
          </th>
          <th scope="col" class="learning-chart-value">{props.head[2]}</th>
        </tr>
      </thead>
      <tbody>
        {props.bars.map((b) => (
          <tr key={b.key} data-skill={b.key} class={b.weak ? "learning-weak" : undefined}>
            <th scope="row">{b.label}</th>
            <td class="learning-chart-bar">
              <svg viewBox="0 0 100 12" preserveAspectRatio="none" aria-hidden="true" focusable="false">
                <rect x="0" y="0" width="100" height="12" rx="2" class="learning-bar-track" />
                <rect x="0" y="0" width={Math.max(0, Math.min(1, b.ratio)) * 100} height="12" rx="2" class="learning-bar-fill" />
                {gaps.map((x) => (
                  <line x1={x} x2={x} y1="0" y2="12" class="learning-bar-gap" />
                ))}
                {props.target !== undefined && (
                  <line x1={props.target * 100} x2={props.target * 100} y1="0" y2="12" class="learning-bar-target" />
                )}
              </svg>
            </td>
            <td class="learning-chart-value">
              <span data-testid="bar-value">{b.value}</span>
              {b.note && <span class="learning-note">{b.note}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A question of an attempt or an exercise of a session: a fieldset of radio buttons named
 * by its legend (`label`, then the prompt), with its error (if any) inside it.
 */
export function ChoiceQuestion(props: {
  /** The radio group's name, unique on the page. */
  name: string;
  label: ComponentChildren;
  prompt: string;
  choices: string[];
  chosen: number | undefined | null;
  onChoose: (k: number) => void;
  disabled?: boolean;
  /** The id of what describes it (e.g. its save status). */
  describedBy?: string;
  error?: string;
  errorField?: string;
}) {
  const errorId = `${props.name}-error`;
  const described = [props.describedBy, props.error && errorId].filter(Boolean).join(" ");
  return (
    <fieldset
      class={props.error ? "learning-question invalid" : "learning-question"}
      aria-invalid={props.error ? "true" : undefined}
      aria-describedby={described || undefined}
      disabled={props.disabled}
    >
      <legend>
        {props.label}
        <span class="learning-prompt">{props.prompt}</span>
      </legend>
      <div class="learning-choices">
        {props.choices.map((c, k) => (
          <label class="learning-choice">
            <input type="radio" name={props.name} value={String(k)} checked={props.chosen === k} onChange={() => props.onChoose(k)} />
            <span>{c}</span>
          </label>
        ))}
      </div>
      {props.error && (
        <p class="field-error" id={errorId} data-field-error={props.errorField}>
          {props.error}
        </p>
      )}
    </fieldset>
  );
}
