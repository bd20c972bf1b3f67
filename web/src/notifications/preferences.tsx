// Notification settings (GET/PUT /v1/notifications/preferences): the language (the app's
// too) and the KakaoTalk channel with its phone number.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { useLangSwitch, useMessages, useT, type Lang } from "../i18n";
import { Loaded, useAction, useLoad } from "../load";
import { Card, Field, fieldErrors, ProblemBanner } from "../screens/form";
import { notificationMessages } from "./messages";

export function Preferences() {
  const t = useT();
  const m = useMessages(notificationMessages);
  const setLang = useLangSwitch();
  const prefs = useLoad(() => api.GET("/v1/notifications/preferences"));
  const [locale, setLocale] = useState<Lang>("ko");
  const [enabled, setEnabled] = useState(false);
  const [phone, setPhone] = useState("");
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (!prefs.data) return;
    setLocale(prefs.data.locale);
    setEnabled(prefs.data.kakao.enabled);
    setPhone(prefs.data.kakao.phone ?? "");
  }, [prefs.data]);
  const errors = fieldErrors(action.problem, m.fieldMessages);
  return (
    <Card title={m.settingsTitle}>
      <Loaded load={prefs}>
        {() => (
          <>
            <ProblemBanner problem={action.problem} onRetry={action.retry} />
            {saved && !action.problem && (
              <p class="notice" role="status" data-testid="saved">
                {m.saved}
              </p>
            )}
            <form
              noValidate
              onSubmit={async (e) => {
                e.preventDefault();
                setSaved(false);
                const kakao = enabled
                  ? { enabled: true as const, phone: phone.trim() }
                  : { enabled: false as const, phone: phone.trim() || null };
                const stored = await action.run(() => api.PUT("/v1/notifications/preferences", { body: { locale, kakao } }));
                if (stored) {
                  prefs.setData(stored);
                  setSaved(true);
                  setLang(stored.locale, false);
                }
              }}
            >
              <div class="field">
                <label for="field-locale">{m.locale}</label>
                <select
                  id="field-locale"
                  value={locale}
                  onChange={(e) => setLocale((e.currentTarget as HTMLSelectElement).value as Lang)}
                >
                  <option value="ko">한국어</option>
                  <option value="en">English</option>
                </select>
              </div>
              <div class="field check">
                <input
                  id="field-kakao"
                  type="checkbox"
                  checked={enabled}
                  onChange={(e) => setEnabled((e.currentTarget as HTMLInputElement).checked)}
                />
                <label for="field-kakao">{m.kakaoEnabled}</label>
              </div>
              {(enabled || phone) && (
                <Field
                  name="kakao.phone"
                  label={m.phone}
                  hint={m.phoneHint}
                  value={phone}
                  autocomplete="tel"
                  error={errors["kakao.phone"]}
                  onInput={setPhone}
                />
              )}
              <button type="submit" disabled={action.busy}>
                {action.busy ? t.submitting : m.save}
              </button>
            </form>
          </>
        )}
      </Loaded>
    </Card>
  );
}
