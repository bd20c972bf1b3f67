// A training session (#/sessions/:sessionId), started from the plan (POST
// /v1/learning/sessions): answer every exercise, submit (POST .../submit), see the result.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, call, type Shown } from "../api/client";
import { go, href } from "../router";
import { Card, fieldErrors } from "../screens/form";
import { ChoiceQuestion, LearningProblem, skillName, useL, type Schemas } from "./common";
import { keepSession, keptSession, type KeptSession } from "./store";

/**
 * Shows a session that was just started (POST /v1/learning/sessions) on the training screen:
 * from the plan, and from any screen that starts one (e.g. a premium lesson).
 */
export function openSession(session: Schemas["StartedSession"]) {
  keepSession({ session, answers: [], result: null });
  go(`sessions/${session.sessionId}`);
}

export function TrainingSession(props: { sessionId: string }) {
  const m = useL();
  const [kept, setKept] = useState<KeptSession | null>(() => keptSession(props.sessionId));
  if (!kept) {
    return (
      <Card title={m.sessionTitle}>
        <p data-testid="session-lost">{m.sessionLost}</p>
        <p>
          <a class="learning-button" href={href("plan")}>
            {m.plan}
          </a>
        </p>
      </Card>
    );
  }
  const s = kept.session;
  const update = (next: KeptSession) => {
    keepSession(next);
    setKept(next);
  };
  return (
    <Card title={m.sessionHeading(skillName(m, s.skill), s.level)} wide>
      <p class="learning-muted">{m.module(s.title)}</p>
      {kept.result ? <SessionDone kept={kept} /> : <Exercises kept={kept} onChange={update} />}
    </Card>
  );
}

function Exercises(props: { kept: KeptSession; onChange: (k: KeptSession) => void }) {
  const m = useL();
  const { session, answers } = props.kept;
  const [problem, setProblem] = useState<Shown | null>(null);
  const [missing, setMissing] = useState<number[]>([]);
  const [busy, setBusy] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  // The API's own field errors (answers[i]) go to their exercise too.
  const apiErrors = fieldErrors(problem, {});

  useEffect(() => {
    // The first exercise without an answer comes into view, its first choice focused.
    const first = missing.length > 0 ? list.current?.querySelector(`#exercise-${missing[0]}`) : null;
    first?.scrollIntoView({ block: "start" });
    first?.querySelector("input")?.focus({ preventScroll: true });
  }, [missing]);

  function choose(i: number, k: number) {
    const next = session.exercises.map((_, j) => (j === i ? k : (answers[j] ?? null)));
    props.onChange({ ...props.kept, answers: next });
    setMissing((mi) => mi.filter((j) => j !== i));
  }

  async function submit() {
    const unanswered = session.exercises.map((_, i) => i).filter((i) => answers[i] === null || answers[i] === undefined);
    setMissing(unanswered);
    if (unanswered.length > 0) {
      setProblem(null);
      return;
    }
    setBusy(true);
    const o = await call(
      api.POST("/v1/learning/sessions/{id}/submit", {
        params: { path: { id: session.sessionId } },
        body: { answers: answers as number[] },
      }),
    );
    setBusy(false);
    setProblem(o.problem);
    if (o.data) props.onChange({ ...props.kept, result: o.data });
  }

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {missing.length > 0 && (
        <div class="problem" role="alert" data-problem-code="unanswered">
          <p>{m.checkAnswers}</p>
        </div>
      )}
      <LearningProblem problem={problem} onRetry={() => void submit()} />
      <ol class="learning-questions" ref={list}>
        {session.exercises.map((ex, i) => {
          const error = missing.includes(i) ? m.chooseAnswer : apiErrors[`answers[${i}]`];
          return (
            <li id={`exercise-${i}`} data-testid="exercise">
              <ChoiceQuestion
                name={`exercise-${i}`}
                label={<span class="learning-qnum">{m.exercise(i + 1)}</span>}
                prompt={ex.prompt}
                choices={ex.choices}
                chosen={answers[i]}
                onChoose={(k) => choose(i, k)}
                error={error}
                errorField={`answers[${i}]`}
              />
            </li>
          );
        })}
      </ol>
      <button type="submit" disabled={busy} data-testid="submit-session">
        {busy ? m.submitting : m.submitSession}
      </button>
    </form>
  );
}

function SessionDone(props: { kept: KeptSession }) {
  const m = useL();
  const r = props.kept.result!;
  return (
    <div data-testid="session-result" data-mastered={String(r.mastered)}>
      <p class="learning-total" role="status">
        <strong>{m.sessionResult(r.correct, r.total)}</strong>
      </p>
      <p class={r.mastered ? "learning-notice learning-good" : "learning-notice"}>{r.mastered ? m.mastered : m.notMastered}</p>
      <p class="learning-actions">
        <a class="learning-button" href={href("progress")} data-testid="see-progress">
          {m.seeProgress}
        </a>
        <a href={href("plan")}>{m.plan}</a>
      </p>
    </div>
  );
}
