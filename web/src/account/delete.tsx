// Deleting the account (DELETE /v1/users/me {password}): what it erases, a box to tick, the
// password to confirm; then the account is gone everywhere within seconds.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { useMessages, useT } from "../i18n";
import { useAction } from "../load";
import { go } from "../router";
import { Card, fieldErrors, PasswordField, ProblemBanner } from "../screens/form";
import { useSession } from "../session";
import { accountMessages } from "./messages";

export function DeleteAccount() {
  const t = useT();
  const m = useMessages(accountMessages);
  const session = useSession();
  const [password, setPassword] = useState("");
  const [understood, setUnderstood] = useState(false);
  const [unticked, setUnticked] = useState(false);
  const action = useAction();
  const errors = fieldErrors(action.problem, t.fieldMessages);
  return (
    <Card title={m.deleteTitle}>
      <p class="danger-text">{m.deleteIntro}</p>
      <ProblemBanner problem={action.problem} onRetry={action.retry} messages={m.problems} />
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          if (!understood) {
            setUnticked(true);
            return;
          }
          if (await action.run(() => api.DELETE("/v1/users/me", { body: { password } }))) {
            await session.signOut();
            go("sign-in?notice=deleted");
          }
        }}
      >
        <div class={unticked && !understood ? "field check invalid" : "field check"}>
          <input
            id="field-understood"
            type="checkbox"
            checked={understood}
            aria-describedby={unticked && !understood ? "field-understood-error" : undefined}
            onChange={(e) => setUnderstood((e.currentTarget as HTMLInputElement).checked)}
          />
          <label for="field-understood">{m.deleteConfirm}</label>
          {unticked && !understood && (
            <p class="field-error" id="field-understood-error" data-field-error="understood">
              {m.deleteConfirmNeeded}
            </p>
          )}
        </div>
        <PasswordField value={password} autocomplete="current-password" error={errors.password} onInput={setPassword} />
        <button type="submit" class="danger" disabled={action.busy}>
          {action.busy ? t.submitting : m.deleteButton}
        </button>
      </form>
    </Card>
  );
}
