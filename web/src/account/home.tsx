// Home: the signed-in account (GET /v1/users/me).
import { api } from "../api/client";
import { useMessages, useT } from "../i18n";
import { Loaded, useLoad } from "../load";
import { Card } from "../screens/form";
import { href } from "../router";
import { useSession } from "../session";
import { accountMessages } from "./messages";

export function Home() {
  const t = useT();
  const m = useMessages(accountMessages);
  const session = useSession();
  const me = useLoad(async () => {
    const result = await api.GET("/v1/users/me");
    if (result.data) session.setUser(result.data);
    return result;
  });
  const user = me.data ?? session.user;
  return (
    <Card title={user ? t.hello(user.name) : t.account} wide>
      <Loaded load={{ ...me, data: user }}>
        {(user) => (
          <>
            <dl class="account" data-testid="account">
              <dt>{t.name}</dt>
              <dd data-testid="user-name">{user.name}</dd>
              <dt>{t.email}</dt>
              <dd data-testid="user-email">{user.email}</dd>
              <dt>{t.emailVerified}</dt>
              <dd data-testid="user-verified">
                {user.emailVerified ? t.verified : t.notVerified}
                {!user.emailVerified && (
                  <>
                    {" "}
                    <a href={href("account/verify")}>{m.verifyLink}</a>
                  </>
                )}
              </dd>
            </dl>
            <h2 class="account-settings">{m.settings}</h2>
            <ul class="links">
              <li>
                <a href={href("account/password")}>{m.passwordTitle}</a>
              </li>
              <li>
                <a href={href("settings/notifications")}>{t.notificationSettings}</a>
              </li>
              <li>
                <a class="danger-link" href={href("account/delete")}>
                  {m.deleteTitle}
                </a>
              </li>
            </ul>
          </>
        )}
      </Loaded>
    </Card>
  );
}
