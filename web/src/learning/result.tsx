// An attempt's result (#/attempts/:attemptId/result): the score, and per skill a bar against
// the 80% under which the plan trains it.
import { api } from "../api/client";
import { Loaded, useLoad } from "../load";
import { href } from "../router";
import { Card } from "../screens/form";
import { BarChart, skillName, useFormatDate, useL, useOwnWords } from "./common";

export const WEAK_BELOW = 0.8;

export function AttemptResult(props: { attemptId: string }) {
  const m = useL();
  const date = useFormatDate();
  const load = useLoad(
    () => api.GET("/v1/attempts/{attemptId}", { params: { path: { attemptId: props.attemptId } } }),
    [props.attemptId],
  );
  return (
    <Card title={m.resultTitle} wide>
      <Loaded load={useOwnWords(load)}>
        {(a) =>
          a.result === null ? (
            <>
              <p>{m.notGraded}</p>
              <p>
                <a href={href(`attempts/${a.attemptId}`)}>{m.backToAttempt}</a>
              </p>
            </>
          ) : (
            <>
              <p class="learning-muted">
                {a.title}
                {a.submittedAt && ` · ${m.submittedAt} ${date(a.submittedAt)}`}
              </p>
              <p class="learning-total" data-testid="total-score">
                <span class="learning-total-label">{m.total}</span>{" "}
                <strong>{m.scoreOf(a.result.score, a.result.maxScore)}</strong>{" "}
                <span>({m.percent(a.result.score / a.result.maxScore)})</span>
              </p>
              <BarChart
                testid="result-chart"
                caption={m.perSkill}
                head={[m.skill, m.ratio, m.score]}
                target={WEAK_BELOW}
                bars={a.result.skills.map((s) => ({
                  key: s.skill,
                  label: skillName(m, s.skill),
                  ratio: s.ratio,
                  value: `${m.scoreOf(s.score, s.maxScore)} · ${m.percent(s.ratio)}`,
                  weak: s.ratio < WEAK_BELOW,
                  note: s.ratio < WEAK_BELOW ? m.weak : m.strong,
                }))}
              />
              <p class="learning-muted">{m.chartNote}</p>
              <p>
                <a class="learning-button" href={href("plan")} data-testid="see-plan">
                  {m.seePlan}
                </a>
              </p>
            </>
          )
        }
      </Loaded>
    </Card>
  );
}
