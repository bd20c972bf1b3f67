// The assessments open to take (GET /v1/assessments) and the student's past attempts
// (GET /v1/users/me/attempts): start one, continue one in progress, see a result.
import { useState } from "preact/hooks";
import { api, call, type Shown } from "../api/client";
import { Loaded, useLoad } from "../load";
import { go, href } from "../router";
import { Card } from "../screens/form";
import { LearningProblem, skillName, useFormatDate, useL, type Schemas } from "./common";

type Summary = Schemas["AssessmentSummary"];
type AttemptSummary = Schemas["AttemptSummary"];

/** Still open to answer: in progress and before its deadline. */
const isOpen = (a: AttemptSummary) => a.status === "in_progress" && Date.parse(a.expiresAt) > Date.now();

export function Assessments() {
  const m = useL();
  const list = useLoad(() => api.GET("/v1/assessments", { params: { query: { limit: 50 } } }));
  const attempts = useAttempts();
  const [problem, setProblem] = useState<Shown | null>(null);
  const [starting, setStarting] = useState<string | null>(null);

  async function start(id: string) {
    setStarting(id);
    const o = await call(api.POST("/v1/assessments/{id}/attempts", { params: { path: { id } } }));
    setStarting(null);
    setProblem(o.problem);
    if (o.data) go(`attempts/${o.data.attemptId}`);
  }

  return (
    <Card title={m.assessmentsTitle} wide>
      <LearningProblem problem={problem} />
      <h2 class="learning-h2">{m.available}</h2>
      <Loaded load={list}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{m.noAssessments}</p>
          ) : (
            <ul class="learning-list" data-testid="assessments">
              {page.items.map((a) => (
                <AssessmentItem
                  a={a}
                  open={attempts.items.find((t) => t.assessmentId === a.id && isOpen(t))}
                  busy={starting === a.id}
                  onStart={() => void start(a.id)}
                />
              ))}
            </ul>
          )
        }
      </Loaded>
      <h2 class="learning-h2">{m.myAttempts}</h2>
      <Loaded load={attempts.load}>{() => <AttemptTable items={attempts.items} more={attempts.more} />}</Loaded>
    </Card>
  );
}

function AssessmentItem(props: { a: Summary; open?: AttemptSummary; busy: boolean; onStart: () => void }) {
  const m = useL();
  const { a } = props;
  return (
    <li class="learning-item" data-testid="assessment" data-id={a.id}>
      <h3>{a.title}</h3>
      {a.description && <p>{a.description}</p>}
      <dl class="learning-facts">
        <div>
          <dt>{m.questionCount}</dt>
          <dd>{m.questions(a.questionCount)}</dd>
        </div>
        <div>
          <dt>{m.timeLimit}</dt>
          <dd>{m.minutes(a.timeLimitSeconds)}</dd>
        </div>
        <div>
          <dt>{m.skillsLabel}</dt>
          <dd>{a.skills.map((s) => skillName(m, s)).join(", ")}</dd>
        </div>
      </dl>
      {props.open ? (
        <a class="learning-button" href={href(`attempts/${props.open.attemptId}`)} data-testid="resume">
          {m.resume}
        </a>
      ) : (
        <button type="button" disabled={props.busy} onClick={props.onStart} data-testid="start">
          {props.busy ? m.starting : m.start}
        </button>
      )}
    </li>
  );
}

/** The student's attempts, a page at a time ("show more" follows nextCursor). */
function useAttempts() {
  const [extra, setExtra] = useState<AttemptSummary[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const load = useLoad(async () => {
    const r = await api.GET("/v1/users/me/attempts");
    setExtra([]);
    setCursor(r.data?.nextCursor ?? null);
    return r;
  });
  const items = [...(load.data?.items ?? []), ...extra];
  const more = cursor
    ? async () => {
        const o = await call(api.GET("/v1/users/me/attempts", { params: { query: { cursor } } }));
        if (o.data) {
          setExtra((e) => [...e, ...o.data.items]);
          setCursor(o.data.nextCursor);
        }
      }
    : null;
  return { load, items, more };
}

function AttemptTable(props: { items: AttemptSummary[]; more: (() => Promise<void>) | null }) {
  const m = useL();
  const date = useFormatDate();
  if (props.items.length === 0) return <p data-testid="no-attempts">{m.noAttempts}</p>;
  return (
    <>
      <table class="learning-table" data-testid="attempts">
        <thead>
          <tr>
            <th scope="col">{m.startedAt}</th>
            <th scope="col">{m.status}</th>
            <th scope="col">{m.score}</th>
            <th scope="col">
              <span class="visually-hidden">{m.viewResult}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((a) => {
            const status = a.status === "in_progress" && !isOpen(a) ? "expired" : a.status;
            return (
              <tr data-testid="attempt" data-id={a.attemptId} data-status={status}>
                <td>
                  <span class="learning-cell-title">{a.title}</span>
                  <span class="learning-muted">{date(a.startedAt)}</span>
                </td>
                <td>{m.statuses[status]}</td>
                <td>{a.score === null ? "–" : m.scoreOf(a.score, a.maxScore)}</td>
                <td>
                  {status === "submitted" ? (
                    <a href={href(`attempts/${a.attemptId}/result`)}>{m.viewResult}</a>
                  ) : (
                    <a href={href(`attempts/${a.attemptId}`)}>{status === "expired" ? m.grade : m.resume}</a>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.more && (
        <button type="button" class="secondary learning-more" onClick={() => void props.more?.()}>
          {m.more}
        </button>
      )}
    </>
  );
}
