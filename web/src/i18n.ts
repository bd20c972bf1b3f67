// Korean and English. The default follows the browser (navigator.languages), falling back
// to Korean; the switch in the header changes it and is remembered in localStorage.
import { createContext } from "preact";
import { useContext } from "preact/hooks";

export type Lang = "ko" | "en";

const ko = {
  appName: "studyloop",
  language: "언어",
  signIn: "로그인",
  signUp: "회원가입",
  signOut: "로그아웃",
  email: "이메일",
  password: "비밀번호",
  name: "이름",
  passwordHint: "10자 이상",
  signInTitle: "studyloop에 로그인",
  signUpTitle: "studyloop 계정 만들기",
  noAccount: "계정이 없으신가요?",
  haveAccount: "이미 계정이 있으신가요?",
  submitting: "처리 중…",
  hello: (name: string) => `${name}님, 안녕하세요`,
  account: "내 계정",
  emailVerified: "이메일 인증",
  verified: "인증됨",
  notVerified: "인증 전 (메일로 받은 코드를 입력하세요)",
  loading: "불러오는 중…",
  retry: "다시 시도",
  retryIn: (seconds: number) =>
    seconds < 60 ? `${seconds}초 후에 다시 시도할 수 있습니다.` : `${Math.ceil(seconds / 60)}분 후에 다시 시도할 수 있습니다.`,
  notFound: "찾을 수 없는 화면입니다.",
  home: "홈",
  notificationSettings: "알림 설정",
  fieldErrors: "입력한 내용을 확인해 주세요.",
  // The API words field errors in English; Korean has its own sentence per known field.
  fieldMessages: {
    name: "이름은 1자에서 50자 사이로 입력해 주세요.",
    email: "올바른 이메일 주소를 입력해 주세요.",
    password: "비밀번호는 10자 이상 128자 이하로 입력해 주세요.",
  } as Record<string, string>,
  problems: {
    invalid_credentials: "이메일 또는 비밀번호가 올바르지 않습니다.",
    email_taken: "이미 가입된 이메일입니다.",
    rate_limited: "시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
    network: "서버에 연결할 수 없습니다. 네트워크를 확인하고 다시 시도해 주세요.",
    server: "서버에 일시적인 문제가 있습니다. 입력한 내용은 그대로 있으니 다시 시도해 주세요.",
    unexpected: "문제가 발생했습니다. 다시 시도해 주세요.",
  } as Record<string, string>,
};

const en: typeof ko = {
  appName: "studyloop",
  language: "Language",
  signIn: "Sign in",
  signUp: "Sign up",
  signOut: "Sign out",
  email: "Email",
  password: "Password",
  name: "Name",
  passwordHint: "At least 10 characters",
  signInTitle: "Sign in to studyloop",
  signUpTitle: "Create your studyloop account",
  noAccount: "No account yet?",
  haveAccount: "Already have an account?",
  submitting: "Working…",
  hello: (name: string) => `Hello, ${name}`,
  account: "Your account",
  emailVerified: "Email verification",
  verified: "Verified",
  notVerified: "Not yet (enter the code we emailed you)",
  loading: "Loading…",
  retry: "Try again",
  retryIn: (seconds: number) =>
    seconds < 60 ? `You can try again in ${seconds} s.` : `You can try again in ${Math.ceil(seconds / 60)} min.`,
  notFound: "There is no such screen.",
  home: "Home",
  notificationSettings: "Notification settings",
  fieldErrors: "Please check the highlighted fields.",
  fieldMessages: {},
  problems: {
    invalid_credentials: "The email or password is not right.",
    email_taken: "An account with this email exists already.",
    rate_limited: "Too many tries. Please wait a moment and try again.",
    network: "Cannot reach the server. Check the connection and try again.",
    server: "The server has a passing problem. What you typed is kept: please try again.",
    unexpected: "Something went wrong. Please try again.",
  },
};

export const messages: Record<Lang, typeof ko> = { ko, en };
export type Messages = typeof ko;

const LANG_KEY = "studyloop.lang";

export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved === "ko" || saved === "en") return saved;
  } catch {
    // storage blocked: follow the browser
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "ko" || base === "en") return base;
  }
  return "ko";
}

export function saveLang(lang: Lang) {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // not remembered; still switched
  }
  document.documentElement.lang = lang;
}

/**
 * `setLang(lang, save)`: shows the app in `lang`; `save` also makes it the account's locale
 * (the header's switch does; the notification settings have saved it already).
 */
export const LangContext = createContext<{ lang: Lang; t: Messages; setLang: (lang: Lang, save: boolean) => void }>({
  lang: "ko",
  t: ko,
  setLang: () => undefined,
});
export const useT = () => useContext(LangContext).t;
export const useLang = () => useContext(LangContext).lang;
export const useLangSwitch = () => useContext(LangContext).setLang;

/** An area's own texts (e.g. src/learning/messages.ts: `{ ko: {...}, en: {...} }`) in the current language. */
export function useMessages<T>(area: Record<Lang, T>): T {
  return area[useLang()];
}
