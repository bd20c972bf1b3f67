// Taking an assessment (#/attempts/:attemptId): the questions, a countdown to the attempt's
// expiresAt, each answer saved as it is chosen (PUT .../answers/{questionId}), and submit.
// GET /v1/attempts/{attemptId} restores the saved answers and the time left after a reload.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, call, type Shown } from "../api/client";
import { Loaded, useLoad } from "../load";
import { go, href } from "../router";
import { useT } from "../i18n";
import { Card } from "../screens/form";
import { ChoiceQuestion, LearningProblem, skillName, useL, useOwnWords, type Attempt } from "./common";

type Save = { state: "saving" } | { state: "saved"; choice: number } | { state: "failed"; problem: Shown };

export function TakeAttempt(props: { attemptId: string }) {
  const m = useL();
  const t = useT();
  // The server's clock minus this one's, from the answer's Date header (a few seconds of
  // skew would otherwise show a wrong time left); 0 when the header is not readable.
  const skew = useRef(0);
  const load = useLoad(async () => {
    const r = await api.GET("/v1/attempts/{attemptId}", { params: { path: { attemptId: props.attemptId } } });
    const date = Date.parse(r.response.headers.get("date") ?? "");
    const diff = Number.isFinite(date) ? date - Date.now() : 0;
    skew.current = Math.abs(diff) > 5000 ? diff : 0;
    return r;
  }, [props.attemptId]);
  const attempt = load.data;
  // A submitted attempt has nothing left to answer: its result replaces it in the history.
  useEffect(() => {
    if (attempt?.status === "submitted") location.replace(href(`attempts/${attempt.attemptId}/result`));
  }, [attempt]);
  return (
    <Card title={attempt?.title ?? m.attemptTitle} wide>
      <Loaded load={useOwnWords(load)}>
        {(a) => (a.status === "submitted" ? <p>{t.loading}</p> : <Questions key={a.attemptId} attempt={a} skew={skew.current} />)}
      </Loaded>
    </Card>
  );
}

function Questions(props: { attempt: Attempt; skew: number }) {
  const m = useL();
  const a = props.attempt;
  const [answers, setAnswers] = useState<Record<string, number>>(a.answers);
  // What the server holds shows as saved from the start (after a reload too).
  const [saves, setSaves] = useState<Record<string, Save>>(() =>
    Object.fromEntries(Object.entries(a.answers).map(([id, choice]) => [id, { state: "saved", choice }])),
  );
  const [closed, setClosed] = useState<"expired" | "submitted" | null>(a.status === "expired" ? "expired" : null);
  const [problem, setProblem] = useState<Shown | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // What the server holds: a refused choice goes back to it.
  const saved = useRef<Record<string, number>>({ ...a.answers });
  const saver = useSaver(a.attemptId, (questionId, save) => {
    setSaves((s) => ({ ...s, [questionId]: save }));
    if (save.state === "saved") saved.current[questionId] = save.choice;
    if (save.state !== "failed") return;
    const code = save.problem.code;
    if (code !== "attempt_expired" && code !== "attempt_submitted") return;
    setClosed(code === "attempt_expired" ? "expired" : "submitted");
    setAnswers((s) => {
      const { [questionId]: _, ...rest } = s;
      const kept = saved.current[questionId];
      return kept === undefined ? rest : { ...rest, [questionId]: kept };
    });
  });
  const left = useTimeLeft(a.expiresAt, props.skew);
  useEffect(() => {
    if (left === 0 && !closed) setClosed("expired");
  }, [left, closed]);

  const answeredCount = a.questions.filter((q) => answers[q.id] !== undefined).length;
  const open = closed === null;

  function choose(questionId: string, choiceIndex: number) {
    setAnswers((s) => ({ ...s, [questionId]: choiceIndex }));
    saver.save(questionId, choiceIndex);
  }

  async function submit() {
    setSubmitting(true);
    await saver.settled();
    const o = await call(api.POST("/v1/attempts/{attemptId}/submit", { params: { path: { attemptId: a.attemptId } } }));
    setSubmitting(false);
    setProblem(o.problem);
    if (o.data) go(`attempts/${a.attemptId}/result`);
  }

  // At the end of the questions; once the time is up, at the top with the notice.
  const submitButton = (
    <button type="button" disabled={submitting} onClick={() => void submit()} data-testid="submit-attempt">
      {submitting ? m.submitting : m.submit}
    </button>
  );
  return (
    <div class="learning-attempt">
      {closed !== "submitted" && <Countdown left={left} />}
      {closed === "expired" && (
        <div class="learning-notice" role="status" data-testid="attempt-expired">
          <h2>{m.expiredTitle}</h2>
          <p>{m.gradeSaved}</p>
          <LearningProblem problem={problem} onRetry={() => void submit()} />
          {submitButton}
        </div>
      )}
      {closed === "submitted" && (
        <div class="learning-notice" role="status" data-testid="attempt-closed">
          <p>{m.submittedElsewhere}</p>
          <p>
            <a href={href(`attempts/${a.attemptId}/result`)}>{m.viewResult}</a>
          </p>
        </div>
      )}
      {open && <p class="learning-muted">{m.autosaveNote}</p>}
      <p class="learning-count" aria-live="polite" data-testid="answered">
        {m.answered(answeredCount, a.questions.length)}
      </p>
      <ol class="learning-questions">
        {a.questions.map((q, i) => {
          const save = saves[q.id];
          const statusId = `save-${q.id}`;
          return (
            <li data-testid="question" data-question-id={q.id}>
              <ChoiceQuestion
                name={`q-${q.id}`}
                label={
                  <>
                    <span class="learning-qnum">{m.question(i + 1)}</span>
                    <span class="learning-muted">
                      {" "}
                      · {skillName(m, q.skill)} · {m.points(q.points)}
                    </span>
                  </>
                }
                prompt={q.prompt}
                choices={q.choices}
                chosen={answers[q.id]}
                onChoose={(k) => choose(q.id, k)}
                disabled={!open}
                describedBy={statusId}
              />
              <SaveStatus id={statusId} save={save} onRetry={() => saver.save(q.id, answers[q.id]!)} />
            </li>
          );
        })}
      </ol>
      {closed === null && (
        <div class="learning-submit">
          {answeredCount < a.questions.length && <p>{m.unanswered(a.questions.length - answeredCount)}</p>}
          <LearningProblem problem={problem} onRetry={() => void submit()} />
          {submitButton}
        </div>
      )}
    </div>
  );
}

function SaveStatus(props: { id: string; save?: Save; onRetry: () => void }) {
  const m = useL();
  const s = props.save;
  return (
    <div class="learning-save" id={props.id} data-testid="save-status" data-state={s?.state ?? "none"}>
      {s?.state === "saving" && <span class="learning-muted">{m.saving}</span>}
      {s?.state === "saved" && <span class="learning-saved">✓ {m.saved}</span>}
      {s?.state === "failed" && (
        <div class="learning-save-failed" role="alert" data-problem-code={s.problem.code}>
          <span>
            {m.saveFailed} {m.problems[s.problem.code] ?? ""}
          </span>
          {(s.problem.code === "network" || s.problem.status >= 500 || s.problem.code === "server") && (
            <button type="button" class="secondary" onClick={props.onRetry}>
              {m.saveAgain}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * Saves answers one request at a time per question, always the latest choice: a second
 * click while the first is on its way is sent after it, so the last choice wins.
 */
function useSaver(attemptId: string, report: (questionId: string, save: Save) => void) {
  const latest = useRef<Record<string, number>>({});
  const running = useRef<Record<string, Promise<void>>>({});
  const reportRef = useRef(report);
  reportRef.current = report;

  async function drain(questionId: string) {
    let sent: number | undefined;
    while (latest.current[questionId] !== sent) {
      sent = latest.current[questionId]!;
      reportRef.current(questionId, { state: "saving" });
      const o = await call(
        api.PUT("/v1/attempts/{attemptId}/answers/{questionId}", {
          params: { path: { attemptId, questionId } },
          body: { choiceIndex: sent },
        }),
      );
      if (o.problem) {
        reportRef.current(questionId, { state: "failed", problem: o.problem });
        return;
      }
    }
    reportRef.current(questionId, { state: "saved", choice: sent! });
  }

  return {
    save(questionId: string, choiceIndex: number) {
      latest.current[questionId] = choiceIndex;
      // A save on its way sends the latest choice when it is done.
      if (questionId in running.current) return;
      running.current[questionId] = drain(questionId).finally(() => delete running.current[questionId]);
    },
    /** Waits for every save on its way (before a submit). */
    async settled() {
      await Promise.all(Object.values(running.current));
    },
  };
}

/** Whole seconds until `expiresAt` (by the server's clock), ticking; 0 once it passed. */
function useTimeLeft(expiresAt: string, skew: number): number {
  const compute = () => Math.max(0, Math.ceil((Date.parse(expiresAt) - (Date.now() + skew)) / 1000));
  const [left, setLeft] = useState(compute);
  useEffect(() => {
    setLeft(compute());
    const timer = setInterval(() => {
      const now = compute();
      setLeft(now);
      if (now === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [expiresAt, skew]);
  return left;
}

/** Minutes left at which the time is announced (and when it is up), smallest first. */
const ANNOUNCE_AT = [1, 5, 10];

/**
 * The time left, shown every second (not announced: a screen reader would read it every
 * second) and announced politely only as it passes 10, 5 and 1 minute(s) left, and when it
 * is up.
 */
function Countdown(props: { left: number }) {
  const m = useL();
  const minutes = Math.floor(props.left / 60);
  const seconds = props.left % 60;
  const [spoken, setSpoken] = useState("");
  const previous = useRef<number | null>(null);
  useEffect(() => {
    const before = previous.current;
    previous.current = props.left;
    if (props.left === 0) {
      if (before !== 0) setSpoken(m.timeUp);
      return;
    }
    // The smallest mark passed since the last tick (a tab asleep for a while skips some).
    const mark = before === null ? undefined : ANNOUNCE_AT.find((a) => before > a * 60 && props.left <= a * 60);
    if (mark !== undefined) setSpoken(m.minutesLeft(mark));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.left]);
  const urgent = props.left <= 60;
  return (
    <div class={urgent ? "learning-timer learning-urgent" : "learning-timer"}>
      <span class="learning-timer-label">{m.timeLeft}</span>{" "}
      <span role="timer" data-testid="time-left" data-seconds={props.left}>
        {String(minutes).padStart(2, "0")}:{String(seconds).padStart(2, "0")}
      </span>
      <span class="visually-hidden" aria-live="polite" data-testid="timer-announcement">
        {spoken}
      </span>
    </div>
  );
}
