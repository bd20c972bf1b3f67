// The studyloop web app: a hash router (the local cloud and a CDN serve files as they are,
// so every screen is /#/...), the language switch and the session.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, type User } from "./api/client";
import { auth } from "./auth";
import { initialLang, LangContext, messages, saveLang, type Lang } from "./i18n";
import { SignIn, SignUp } from "./screens/auth";
import { Home } from "./screens/home";
import "./styles.css";

type Route = "home" | "sign-in" | "sign-up";

function currentRoute(): Route {
  const path = location.hash.replace(/^#\/?/, "");
  return path === "sign-in" || path === "sign-up" ? path : "home";
}

function go(route: Route) {
  location.hash = route === "home" ? "#/" : `#/${route}`;
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [route, setRoute] = useState<Route>(currentRoute);
  const [signedIn, setSignedIn] = useState(auth.hasSession());
  const [user, setUser] = useState<User | null>(null);
  const t = messages[lang];

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener("hashchange", onHash);
    const off = auth.onExpired(() => {
      setSignedIn(false);
      setUser(null);
      go("sign-in");
    });
    return () => {
      window.removeEventListener("hashchange", onHash);
      off();
    };
  }, []);

  useEffect(() => saveLang(lang), [lang]);

  // Signed out: only the sign-in and sign-up screens; signed in: never those.
  const screen: Route = signedIn ? "home" : route === "home" ? "sign-in" : route;
  useEffect(() => {
    if (screen !== route) go(screen);
    document.title = `${screen === "home" ? t.account : screen === "sign-in" ? t.signIn : t.signUp} · studyloop`;
  }, [screen, route, t]);

  async function signOut() {
    const refreshToken = auth.clear();
    setSignedIn(false);
    setUser(null);
    go("sign-in");
    if (refreshToken) {
      // Revokes the session; 204 even for an unknown token, and a failure here still signs out locally.
      await api.POST("/v1/auth/sign-out", { body: { refreshToken } }).catch(() => undefined);
    }
  }

  const onSignedIn = (s: { user: User }) => {
    setUser(s.user);
    setSignedIn(true);
    go("home");
  };

  const ctx = useMemo(() => ({ lang, t }), [lang, t]);
  return (
    <LangContext.Provider value={ctx}>
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
              onChange={(e) => setLang((e.currentTarget as HTMLSelectElement).value as Lang)}
            >
              <option value="ko">한국어</option>
              <option value="en">English</option>
            </select>
          </label>
          {signedIn && (
            <button type="button" class="secondary" onClick={() => void signOut()}>
              {t.signOut}
            </button>
          )}
        </div>
      </header>
      <main>
        {screen === "home" && <Home initial={user} />}
        {screen === "sign-in" && <SignIn onSignedIn={onSignedIn} />}
        {screen === "sign-up" && <SignUp onSignedIn={onSignedIn} />}
      </main>
    </LangContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
