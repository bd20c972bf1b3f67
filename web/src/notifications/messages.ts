// The inbox and the notification settings.
const ko = {
  inbox: "알림",
  inboxTitle: "알림함",
  unread: (n: number) => `읽지 않은 알림 ${n}개`,
  empty: "아직 알림이 없습니다.",
  markRead: "읽음으로 표시",
  readAll: "모두 읽음으로 표시",
  more: "더 보기",
  read: "읽음",
  settingsTitle: "알림 설정",
  locale: "알림과 앱의 언어",
  kakaoEnabled: "카카오톡으로도 알림 받기",
  phone: "휴대전화 번호",
  phoneHint: "숫자만 (예: 01012345678)",
  save: "저장",
  saved: "저장했습니다.",
  fieldMessages: {
    "kakao.phone": "휴대전화 번호를 숫자로 입력해 주세요 (예: 01012345678).",
  } as Record<string, string>,
};

const en: typeof ko = {
  inbox: "Inbox",
  inboxTitle: "Inbox",
  unread: (n: number) => `${n} unread`,
  empty: "No notifications yet.",
  markRead: "Mark read",
  readAll: "Mark all read",
  more: "More",
  read: "Read",
  settingsTitle: "Notification settings",
  locale: "Language of notifications and the app",
  kakaoEnabled: "Also notify me on KakaoTalk",
  phone: "Mobile phone number",
  phoneHint: "Digits only (e.g. 01012345678)",
  save: "Save",
  saved: "Saved.",
  fieldMessages: {},
};

export const notificationMessages = { ko, en };
