// The training plan (GET /v1/learning/plan). An event builds it after a submission, so
// right after one it may not be there yet (404) or still be the previous plan: the screen
// says "being prepared" and asks again every second, for a while.
import { useEffect, useState } from "preact/hooks";
import { api, call, type Shown } from "../api/client";
import { useT } from "../i18n";
import { href } from "../router";
import { Card } from "../screens/form";
import { LearningProblem, skillName, useFormatDate, useL, type Schemas } from "./common";
import { openSession } from "./session";

type Plan = Schemas["TrainingPlan"];
type Item = Schemas["PlanItem"];

const POLL_MS = 1000;
const POLL_FOR_MS = 30_000;

type State =
  | { kind: "loading" }
  | { kind: "none" }
  | { kind: "problem"; problem: Shown }
  /** `stale`: a newer graded attempt has no plan yet (null: none is on its way). */
  | { kind: "plan"; plan: Plan | null; waiting: boolean; stale: boolean };

/** The plan, and whether one is still being built from the newest graded attempt. */
async function readPlan(): Promise<State> {
  const [plan, attempts] = await Promise.all([
    call(api.GET("/v1/learning/plan")),
    call(api.GET("/v1/users/me/attempts")),
  ]);
  if (attempts.problem) return { kind: "problem", problem: attempts.problem };
  if (plan.problem && plan.problem.status !== 404) return { kind: "problem", problem: plan.problem };
  const graded = attempts.data.items
    .filter((a) => a.status === "submitted" && a.submittedAt)
    .sort((x, y) => Date.parse(y.submittedAt!) - Date.parse(x.submittedAt!))[0];
  if (!plan.data) return graded ? { kind: "plan", plan: null, waiting: true, stale: false } : { kind: "none" };
  const stale = graded !== undefined && graded.attemptId !== plan.data.attemptId;
  return { kind: "plan", plan: plan.data, waiting: stale, stale };
}

export function PlanScreen() {
  const m = useL();
  const t = useT();
  const [state, setState] = useState<State>({ kind: "loading" });
  const [round, setRound] = useState(0);
  const [gaveUp, setGaveUp] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const until = Date.now() + POLL_FOR_MS;
    setGaveUp(false);
    const ask = async () => {
      const s = await readPlan();
      if (!live) return;
      if (s.kind === "problem" && s.problem.status === 401) return;
      setState(s);
      if (s.kind === "plan" && s.waiting) {
        if (Date.now() < until) timer = setTimeout(() => void ask(), POLL_MS);
        else setGaveUp(true);
      }
    };
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [round]);

  const again = () => setRound((r) => r + 1);
  return (
    <Card title={m.planTitle} wide>
      {state.kind === "loading" && <p aria-live="polite">{t.loading}</p>}
      {state.kind === "problem" && <LearningProblem problem={state.problem} onRetry={again} />}
      {state.kind === "none" && (
        <div data-testid="no-plan">
          <p>{m.noPlan}</p>
          <p>
            <a class="learning-button" href={href("assessments")}>
              {m.takeDiagnostic}
            </a>
          </p>
        </div>
      )}
      {state.kind === "plan" && (
        <>
          <div aria-live="polite" data-testid="plan-waiting">
            {state.waiting && !gaveUp && <p class="learning-notice">{state.stale ? m.preparingNew : m.preparing}</p>}
          </div>
          {state.waiting && gaveUp && (
            <div class="learning-notice" role="status">
              <p>{m.stillPreparing}</p>
              <button type="button" class="secondary" onClick={again}>
                {m.checkAgain}
              </button>
            </div>
          )}
          {state.plan && <PlanItems plan={state.plan} />}
        </>
      )}
      <p class="learning-links">
        <a href={href("progress")}>{m.seeProgress}</a>
      </p>
    </Card>
  );
}

function PlanItems(props: { plan: Plan }) {
  const m = useL();
  const date = useFormatDate();
  const { plan } = props;
  const done = plan.items.filter((i) => i.status === "done").length;
  const [problem, setProblem] = useState<Shown | null>(null);
  const [starting, setStarting] = useState<string | null>(null);

  async function train(moduleId: string) {
    setStarting(moduleId);
    const o = await call(api.POST("/v1/learning/sessions", { body: { moduleId } }));
    setStarting(null);
    setProblem(o.problem);
    if (o.data) openSession(o.data);
  }

  return (
    <div data-testid="plan" data-plan-id={plan.id} data-status={plan.status}>
      <p class="learning-muted">{m.planFrom(date(plan.createdAt, false))}</p>
      {plan.items.length === 0 ? (
        <p class="learning-notice">{m.planEmpty}</p>
      ) : (
        <>
          {plan.status === "completed" ? (
            <p class="learning-notice" data-testid="plan-completed">
              {m.planCompleted}
            </p>
          ) : (
            <p data-testid="plan-steps">{m.steps(done, plan.items.length)}</p>
          )}
          <LearningProblem problem={problem} />
          <ol class="learning-list learning-plan">
            {plan.items.map((item) => (
              <PlanStep item={item} busy={starting !== null && starting === item.moduleId} onTrain={train} />
            ))}
          </ol>
        </>
      )}
    </div>
  );
}

function PlanStep(props: { item: Item; busy: boolean; onTrain: (moduleId: string) => void }) {
  const m = useL();
  const { item } = props;
  const moduleId = item.moduleId;
  return (
    <li class={`learning-item learning-step-${item.status}`} data-testid="plan-item" data-skill={item.skill} data-status={item.status}>
      <div class="learning-step-head">
        <h2>
          {skillName(m, item.skill)} · {m.level(item.level)}
        </h2>
        <span class="learning-badge" data-testid="plan-item-status">
          {item.status === "done" ? "✓ " : ""}
          {m.itemStatus[item.status]}
        </span>
      </div>
      <p class="learning-muted">{m.diagnosed(m.percent(item.ratio))}</p>
      {moduleId ? (
        <button
          type="button"
          class={item.status === "done" ? "secondary" : undefined}
          disabled={props.busy}
          onClick={() => props.onTrain(moduleId)}
          data-testid="train"
        >
          {props.busy ? m.starting : item.status === "done" ? m.trainAgain : m.train}
        </button>
      ) : (
        <p>{m.noModule}</p>
      )}
    </li>
  );
}
