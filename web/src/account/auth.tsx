// Sign up and sign in: each keeps what was typed when the API says no, shows field errors
// next to their fields and any other problem above the form.
import { useState } from "preact/hooks";
import { api, call, type Shown, type SignedIn } from "../api/client";
import { useT } from "../i18n";
import { Card, EmailField, Field, fieldErrors, PasswordField, ProblemBanner } from "../screens/form";
import { useSession } from "../session";
import { useMessages } from "../i18n";
import { hashQuery, href } from "../router";
import { accountMessages } from "./messages";

/** What brought the student back to sign-in (a changed or reset password, a deleted account). */
function notice(m: typeof accountMessages.ko): string | null {
  const key = hashQuery().get("notice");
  const notices: Record<string, string> = {
    "password-changed": m.passwordChanged,
    "password-reset": m.resetDone,
    deleted: m.deleted,
  };
  return key ? (notices[key] ?? null) : null;
}

type Result = { data?: SignedIn; error?: unknown; response: Response };

function useSubmit(fresh: boolean) {
  const { onSignedIn } = useSession();
  const [problem, setProblem] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(request: () => Promise<Result>) {
    setBusy(true);
    const outcome = await call(request());
    setBusy(false);
    setProblem(outcome.problem);
    if (outcome.data) onSignedIn(outcome.data, fresh);
  }
  return { problem, busy, submit };
}

export function SignUp() {
  const t = useT();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { problem, busy, submit } = useSubmit(true);
  const errors = fieldErrors(problem, t.fieldMessages);
  return (
    <Card title={t.signUpTitle}>
      <ProblemBanner problem={problem} />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(() => api.POST("/v1/auth/sign-up", { body: { name, email, password } }));
        }}
      >
        <Field name="name" label={t.name} value={name} autocomplete="name" error={errors.name} onInput={setName} />
        <EmailField value={email} autocomplete="email" error={errors.email} onInput={setEmail} />
        <PasswordField
          value={password}
          autocomplete="new-password"
          hint={t.passwordHint}
          error={errors.password}
          onInput={setPassword}
        />
        <button type="submit" disabled={busy}>
          {busy ? t.submitting : t.signUp}
        </button>
      </form>
      <p class="switch">
        {t.haveAccount} <a href="#/sign-in">{t.signIn}</a>
      </p>
    </Card>
  );
}

export function SignIn() {
  const t = useT();
  const m = useMessages(accountMessages);
  const said = notice(m);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { problem, busy, submit } = useSubmit(false);
  const errors = fieldErrors(problem, t.fieldMessages);
  return (
    <Card title={t.signInTitle}>
      {said && !problem && (
        <p class="notice" role="status" data-testid="notice">
          {said}
        </p>
      )}
      <ProblemBanner problem={problem} />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(() => api.POST("/v1/auth/sign-in", { body: { email, password } }));
        }}
      >
        <EmailField value={email} autocomplete="username" error={errors.email} onInput={setEmail} />
        <PasswordField value={password} autocomplete="current-password" error={errors.password} onInput={setPassword} />
        <button type="submit" disabled={busy}>
          {busy ? t.submitting : t.signIn}
        </button>
      </form>
      <p class="switch">
        <a href={href("password-reset")}>{m.forgot}</a>
      </p>
      <p class="switch">
        {t.noAccount} <a href="#/sign-up">{t.signUp}</a>
      </p>
    </Card>
  );
}
