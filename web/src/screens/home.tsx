// Home: the signed-in account (GET /v1/users/me).
import { useEffect, useState } from "preact/hooks";
import { api, asProblem, type Problem, type User } from "../api/client";
import { useT } from "../i18n";
import { Card, ProblemBanner } from "./form";

export function Home(props: { initial: User | null }) {
  const t = useT();
  const [user, setUser] = useState<User | null>(props.initial);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    let live = true;
    api
      .GET("/v1/users/me")
      .then(({ data, error, response }) => {
        if (!live) return;
        if (data) setUser(data);
        else if (response.status !== 401) setProblem(asProblem(error, response.status));
      })
      .catch(() => live && setProblem(asProblem(null, 0)));
    return () => {
      live = false;
    };
  }, []);
  if (!user) {
    return (
      <Card title={t.account}>
        <ProblemBanner problem={problem} />
        {!problem && <p aria-live="polite">{t.loading}</p>}
      </Card>
    );
  }
  return (
    <Card title={t.hello(user.name)}>
      <ProblemBanner problem={problem} />
      <dl class="account" data-testid="account">
        <dt>{t.name}</dt>
        <dd data-testid="user-name">{user.name}</dd>
        <dt>{t.email}</dt>
        <dd data-testid="user-email">{user.email}</dd>
        <dt>{t.emailVerified}</dt>
        <dd data-testid="user-verified">{user.emailVerified ? t.verified : t.notVerified}</dd>
      </dl>
    </Card>
  );
}
