// The app's language follows the notification preferences' locale: signed in, the app takes
// the account's locale; a new account, and every switch in the header, save the language
// shown as the account's locale (so notifications come in it too).
import { api, call } from "../api/client";
import type { Lang } from "../i18n";

/** The account's locale, or null when it cannot be read now. */
export async function accountLocale(): Promise<Lang | null> {
  const o = await call(api.GET("/v1/notifications/preferences"));
  return o.data?.locale ?? null;
}

/** Makes `lang` the account's locale, keeping the rest of the preferences. */
export async function saveLocale(lang: Lang): Promise<void> {
  const o = await call(api.GET("/v1/notifications/preferences"));
  if (!o.data || o.data.locale === lang) return;
  const { kakao } = o.data;
  const body = {
    locale: lang,
    kakao: kakao.enabled && kakao.phone ? { enabled: true as const, phone: kakao.phone } : { enabled: false as const, phone: kakao.phone },
  };
  await call(api.PUT("/v1/notifications/preferences", { body }));
}
