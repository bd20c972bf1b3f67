// The notifications area: the inbox (with the unread badge in the navigation) and the settings.
import type { RouteDef } from "../router";
import { Inbox, UnreadBadge } from "./inbox";
import { notificationMessages } from "./messages";
import { Preferences } from "./preferences";

export const notificationRoutes: RouteDef[] = [
  {
    path: "inbox",
    title: (l) => notificationMessages[l].inboxTitle,
    nav: (l) => notificationMessages[l].inbox,
    badge: UnreadBadge,
    render: () => <Inbox />,
  },
  { path: "settings/notifications", title: (l) => notificationMessages[l].settingsTitle, render: () => <Preferences /> },
];
