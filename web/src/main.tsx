// The studyloop web app: the routes of every area (src/routes.ts), the language switch, the
// top navigation and the session.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type SignedIn, type User } from "./api/client";
import { auth } from "./auth";
import { initialLang, LangContext, messages, saveLang, type Lang } from "./i18n";
import { accountLocale, saveLocale } from "./notifications/locale";
import { currentPath, go, href, match, useCurrentPath } from "./router";
import { routes } from "./routes";
import { Card } from "./screens/form";
import { SessionContext, type Session } from "./session";
import "./styles.css";

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const path = useCurrentPath();
  const [signedIn, setSignedIn] = useState(auth.hasSession());
  const [user, setUser] = useState<User | null>(null);
  const t = messages[lang];

  useEffect(
    () =>
      auth.onExpired(() => {
        setSignedIn(false);
        setUser(null);
        if (currentPath() !== "sign-in") go("sign-in");
      }),
    [],
  );
  useEffect(() => saveLang(lang), [lang]);
  // The first screen is on the page with its handlers: what the browser tests time (docs/web.md, "Budget").
  useEffect(() => void performance.mark("studyloop:interactive"), []);
  // A session from before the reload: the app takes the account's language.
  useEffect(() => {
    if (signedIn) void accountLocale().then((l) => l && setLang(l));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const found = match(routes, path);
  const access = found?.route.access ?? "signed-in";
  // Signed out, a student's screen shows sign-in; signed in, sign-in and sign-up show home.
  const redirect = !signedIn && access === "signed-in" ? "sign-in" : signedIn && access === "signed-out" ? "" : null;
  useEffect(() => {
    if (redirect !== null) go(redirect);
  }, [redirect]);
  useEffect(() => {
    document.title = `${found ? found.route.title(lang) : t.notFound} · studyloop`;
  }, [found?.route, lang, t]);

  const session: Session = useMemo(
    () => ({
      signedIn,
      user,
      setUser,
      onSignedIn: (s: SignedIn, fresh: boolean) => {
        auth.signedIn(s);
        setUser(s.user);
        setSignedIn(true);
        go("");
        // A new account keeps the language it signed up in; an existing one brings its own.
        if (fresh) void saveLocale(lang);
        else void accountLocale().then((l) => l && setLang(l));
      },
      signOut: async () => {
        const refreshToken = auth.clear();
        setSignedIn(false);
        setUser(null);
        go("sign-in");
        if (refreshToken) {
          // Revokes the session; 204 even for an unknown token, and a failure here still signs out locally.
          await api.POST("/v1/auth/sign-out", { body: { refreshToken } }).catch(() => undefined);
        }
      },
    }),
    [signedIn, user, lang],
  );

  const ctx = useMemo(
    () => ({
      lang,
      t,
      setLang: (l: Lang, save: boolean) => {
        setLang(l);
        if (save && signedIn) void saveLocale(l);
      },
    }),
    [lang, t, signedIn],
  );
  const nav = routes.filter((r) => r.nav && (r.access ?? "signed-in") === "signed-in");
  const current = found?.route;
  return (
    <LangContext.Provider value={ctx}>
      <SessionContext.Provider value={session}>
        <header class="top">
          <a class="brand" href="#/">
            {t.appName}
          </a>
          <div class="actions">
            <label class="lang">
              <span class="visually-hidden">{t.language}</span>
              <select
                aria-label={t.language}
                value={lang}
                onChange={(e) => ctx.setLang((e.currentTarget as HTMLSelectElement).value as Lang, true)}
              >
                <option value="ko">한국어</option>
                <option value="en">English</option>
              </select>
            </label>
            {signedIn && (
              <button type="button" class="secondary" onClick={() => void session.signOut()}>
                {t.signOut}
              </button>
            )}
          </div>
        </header>
        {signedIn && nav.length > 1 && (
          <nav class="sections" aria-label={t.appName}>
            {nav.map((r) => {
              const Badge = r.badge;
              return (
                <a href={href(r.path)} aria-current={r === current ? "page" : undefined}>
                  {r.nav!(lang)}
                  {Badge && <Badge />}
                </a>
              );
            })}
          </nav>
        )}
        <main>
          {redirect !== null ? null : found ? (
            found.route.render(found.params)
          ) : (
            <Card title={t.notFound}>
              <p>
                <a href="#/">{t.home}</a>
              </p>
            </Card>
          )}
        </main>
      </SessionContext.Provider>
    </LangContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
