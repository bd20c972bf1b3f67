// Email verification: the 6-digit code that sign-up emailed (POST /v1/users/me/email/verify).
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { useMessages, useT } from "../i18n";
import { useAction } from "../load";
import { Card, Field, fieldErrors, ProblemBanner } from "../screens/form";
import { useSession } from "../session";
import { accountMessages } from "./messages";
import { href } from "../router";

export function VerifyEmail() {
  const t = useT();
  const m = useMessages(accountMessages);
  const { user, setUser } = useSession();
  const [code, setCode] = useState("");
  const [done, setDone] = useState(user?.emailVerified ?? false);
  const action = useAction();
  const errors = fieldErrors(action.problem, m.fieldMessages);
  if (done) {
    return (
      <Card title={m.verifyTitle}>
        <p role="status" data-testid="verified">
          {m.verifiedDone}
        </p>
        <p>
          <a href={href("")}>{t.home}</a>
        </p>
      </Card>
    );
  }
  return (
    <Card title={m.verifyTitle}>
      {user && <p>{m.verifyIntro(user.email)}</p>}
      <ProblemBanner problem={action.problem} onRetry={action.retry} messages={m.problems} />
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await action.run(() => api.POST("/v1/users/me/email/verify", { body: { code: code.trim() } }));
          if (ok) {
            if (user) setUser({ ...user, emailVerified: true });
            setDone(true);
          }
        }}
      >
        <Field name="code" label={m.code} hint={m.codeHint} value={code} autocomplete="one-time-code" error={errors.code} onInput={setCode} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? t.submitting : m.verify}
        </button>
      </form>
    </Card>
  );
}
