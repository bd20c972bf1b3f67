// The learning area: the assessments and one's attempts, taking one, its result, the plan,
// a training session and progress.
import type { RouteDef } from "../router";
import { Assessments } from "./assessments";
import { TakeAttempt } from "./attempt";
import { learningMessages as l } from "./messages";
import { PlanScreen } from "./plan";
import { Progress } from "./progress";
import { AttemptResult } from "./result";
import { TrainingSession } from "./session";

export const learningRoutes: RouteDef[] = [
  { path: "assessments", title: (g) => l[g].assessmentsTitle, nav: (g) => l[g].assessments, render: () => <Assessments /> },
  { path: "attempts/:attemptId", title: (g) => l[g].attemptTitle, render: (p) => <TakeAttempt attemptId={p.attemptId!} /> },
  {
    path: "attempts/:attemptId/result",
    title: (g) => l[g].resultTitle,
    render: (p) => <AttemptResult attemptId={p.attemptId!} />,
  },
  { path: "plan", title: (g) => l[g].planTitle, nav: (g) => l[g].plan, render: () => <PlanScreen /> },
  { path: "sessions/:sessionId", title: (g) => l[g].sessionTitle, render: (p) => <TrainingSession key={p.sessionId} sessionId={p.sessionId!} /> },
  { path: "progress", title: (g) => l[g].progressTitle, render: () => <Progress /> },
];
