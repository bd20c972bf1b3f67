// Sign up and sign in: each keeps what was typed when the API says no, shows field errors
// next to their fields and any other problem above the form.
import { useState } from "preact/hooks";
import { api, asProblem, type Problem, type SignedIn } from "../api/client";
import { auth } from "../auth";
import { useT } from "../i18n";
import { Card, Field, fieldErrors, ProblemBanner } from "./form";

type Result = { data?: SignedIn; error?: unknown; response: Response };

function useSubmit(onSignedIn: (s: SignedIn) => void) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(call: () => Promise<Result>) {
    setBusy(true);
    try {
      const { data, error, response } = await call();
      if (data) {
        auth.signedIn(data);
        setProblem(null);
        onSignedIn(data);
      } else {
        setProblem(asProblem(error, response.status));
      }
    } catch {
      setProblem(asProblem(null, 0));
    } finally {
      setBusy(false);
    }
  }
  return { problem, busy, submit };
}

export function SignUp(props: { onSignedIn: (s: SignedIn) => void }) {
  const t = useT();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { problem, busy, submit } = useSubmit(props.onSignedIn);
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
        <Field
          name="email"
          label={t.email}
          type="email"
          value={email}
          autocomplete="email"
          error={errors.email}
          onInput={setEmail}
        />
        <Field
          name="password"
          label={t.password}
          type="password"
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

export function SignIn(props: { onSignedIn: (s: SignedIn) => void }) {
  const t = useT();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { problem, busy, submit } = useSubmit(props.onSignedIn);
  const errors = fieldErrors(problem, t.fieldMessages);
  return (
    <Card title={t.signInTitle}>
      <ProblemBanner problem={problem} />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(() => api.POST("/v1/auth/sign-in", { body: { email, password } }));
        }}
      >
        <Field
          name="email"
          label={t.email}
          type="email"
          value={email}
          autocomplete="username"
          error={errors.email}
          onInput={setEmail}
        />
        <Field
          name="password"
          label={t.password}
          type="password"
          value={password}
          autocomplete="current-password"
          error={errors.password}
          onInput={setPassword}
        />
        <button type="submit" disabled={busy}>
          {busy ? t.submitting : t.signIn}
        </button>
      </form>
      <p class="switch">
        {t.noAccount} <a href="#/sign-up">{t.signUp}</a>
      </p>
    </Card>
  );
}
