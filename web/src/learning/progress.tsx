// Progress (GET /v1/learning/progress): the streak, and per skill the highest level mastered
// (of 5) as a chart, with the sessions trained.
import { api } from "../api/client";
import { Loaded, useLoad } from "../load";
import { href } from "../router";
import { Card } from "../screens/form";
import { BarChart, skillName, useL } from "./common";

const LEVELS = 5;

export function Progress() {
  const m = useL();
  const load = useLoad(() => api.GET("/v1/learning/progress"));
  return (
    <Card title={m.progressTitle} wide>
      <Loaded load={load}>
        {(p) => (
          <>
            <div class="learning-streak" data-testid="streak" data-days={p.streakDays}>
              <span class="learning-streak-label">{m.streak}</span>
              <strong class="learning-streak-days">{m.streakDays(p.streakDays)}</strong>
              <span class="learning-streak-note">{m.streakNote(p.streakDays)}</span>
            </div>
            {p.skills.length === 0 ? (
              <p data-testid="no-progress">{m.noProgress}</p>
            ) : (
              <>
                <BarChart
                  testid="mastery-chart"
                  caption={m.mastery}
                  head={[m.skill, m.mastery, m.masteryHead]}
                  segments={LEVELS}
                  bars={p.skills.map((s) => ({
                    key: s.skill,
                    label: skillName(m, s.skill),
                    ratio: s.mastery / LEVELS,
                    value: m.masteryOf(s.mastery),
                    note: m.sessionsNote(s.sessions),
                  }))}
                />
                <p class="learning-muted">{m.masteryNote}</p>
              </>
            )}
          </>
        )}
      </Loaded>
      <p class="learning-links">
        <a href={href("plan")}>{m.seePlan}</a>
      </p>
    </Card>
  );
}
