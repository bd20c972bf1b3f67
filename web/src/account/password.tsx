// Passwords: changing it signed in (POST /v1/users/me/password), and the forgotten password
// (POST /v1/auth/password-reset, then /confirm with the emailed code). Both end every session.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { useMessages, useT } from "../i18n";
import { useAction } from "../load";
import { go } from "../router";
import { Card, EmailField, Field, fieldErrors, PasswordField, ProblemBanner } from "../screens/form";
import { useSession } from "../session";
import { accountMessages } from "./messages";

/** The new password of a change or a reset, with the sign-up rules as its hint. */
function NewPassword(props: { value: string; error?: string; onInput: (v: string) => void }) {
  const t = useT();
  const m = useMessages(accountMessages);
  return <PasswordField name="newPassword" label={m.newPassword} autocomplete="new-password" hint={t.passwordHint} {...props} />;
}

export function ChangePassword() {
  const t = useT();
  const m = useMessages(accountMessages);
  const session = useSession();
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const action = useAction();
  const errors = fieldErrors(action.problem, m.fieldMessages);
  return (
    <Card title={m.passwordTitle}>
      <ProblemBanner problem={action.problem} onRetry={action.retry} messages={m.problems} />
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await action.run(() => api.POST("/v1/users/me/password", { body: { currentPassword, newPassword } }));
          if (ok) {
            // Every session of the account has ended, this one too: sign in with the new password.
            await session.signOut();
            go("sign-in?notice=password-changed");
          }
        }}
      >
        <PasswordField
          name="currentPassword"
          label={m.currentPassword}
          value={currentPassword}
          autocomplete="current-password"
          error={errors.currentPassword}
          onInput={setCurrent}
        />
        <NewPassword value={newPassword} error={errors.newPassword} onInput={setNew} />
        <button type="submit" disabled={action.busy}>
          {action.busy ? t.submitting : m.changePassword}
        </button>
      </form>
    </Card>
  );
}

export function ResetPassword() {
  const t = useT();
  const m = useMessages(accountMessages);
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [newPassword, setNew] = useState("");
  const [sent, setSent] = useState(false);
  const action = useAction();
  const errors = fieldErrors(action.problem, { ...t.fieldMessages, ...m.fieldMessages });
  return (
    <Card title={m.resetTitle}>
      <ProblemBanner problem={action.problem} onRetry={action.retry} messages={m.problems} />
      {!sent ? (
        <form
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            if (await action.run(() => api.POST("/v1/auth/password-reset", { body: { email } }))) setSent(true);
          }}
        >
          <p>{m.resetIntro}</p>
          <EmailField value={email} autocomplete="username" error={errors.email} onInput={setEmail} />
          <button type="submit" disabled={action.busy}>
            {action.busy ? t.submitting : m.sendCode}
          </button>
        </form>
      ) : (
        <form
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await action.run(() =>
              api.POST("/v1/auth/password-reset/confirm", { body: { email, code: code.trim(), newPassword } }),
            );
            if (ok) go("sign-in?notice=password-reset");
          }}
        >
          <p role="status" data-testid="reset-sent">
            {m.resetSent}
          </p>
          <Field name="code" label={m.code} hint={m.codeHint} value={code} autocomplete="one-time-code" error={errors.code} onInput={setCode} />
          <NewPassword value={newPassword} error={errors.newPassword} onInput={setNew} />
          <button type="submit" disabled={action.busy}>
            {action.busy ? t.submitting : m.resetConfirm}
          </button>
        </form>
      )}
    </Card>
  );
}
