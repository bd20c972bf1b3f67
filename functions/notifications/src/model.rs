//! Types that parse, not validate: once a value of these types exists, it is valid.

use serde::{Deserialize, Serialize};
use shared::events::EventType;

/// The language a user reads notifications in; Korean unless they chose otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = NotificationLocale)]
pub enum Locale {
    #[default]
    Ko,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ko => "ko",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ko" => Some(Locale::Ko),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

/// Longest phone number accepted, in characters as sent (separators and white space included).
pub const PHONE_MAX_CHARS: usize = 32;

/// A phone number a messaging provider can deliver to: digits, optionally led by `+` (E.164)
/// or a domestic `0` prefix (`010-1234-5678`). Spaces, hyphens, dots and parentheses are
/// dropped, and so is white space around the number; what is stored is the normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl TryFrom<String> for Phone {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let invalid = || "is not a phone number (e.g. 010-1234-5678 or +821012345678)".to_owned();
        // Characters, not bytes: the limit the contract states (`maxLength`).
        if raw.chars().count() > PHONE_MAX_CHARS {
            return Err(invalid());
        }
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let (plus, digits) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, compact.as_str()),
        };
        let plausible = digits.chars().all(|c| c.is_ascii_digit())
            && if plus {
                // E.164: a country code that never starts with 0, at most 15 digits.
                (8..=15).contains(&digits.len()) && !digits.starts_with('0')
            } else {
                // Domestic: a trunk prefix 0 and 9 to 11 digits in all (02-123-4567 .. 010-1234-5678).
                (9..=11).contains(&digits.len()) && digits.starts_with('0')
            };
        if plausible {
            Ok(Self(compact))
        } else {
            Err(invalid())
        }
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> Self {
        p.0
    }
}

impl Phone {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Separators a phone number may hold anywhere (dropped when stored).
const PHONE_SEPARATORS: &str = "[ ().-]";

/// The pattern of what [`Phone::try_from`] accepts: white space around the number (`trim`),
/// separators anywhere in it, then `+` and 8 to 15 digits not led by 0, or 9 to 11 digits
/// led by 0.
pub fn phone_pattern() -> String {
    let ws = shared::openapi::WHITE_SPACE;
    let sep = PHONE_SEPARATORS;
    format!(
        "^[{ws}]*{sep}*(?:\\+{sep}*[1-9](?:{sep}*[0-9]){{7,14}}|0(?:{sep}*[0-9]){{8,10}}){sep}*[{ws}]*$"
    )
}

impl utoipa::PartialSchema for Phone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(PHONE_MAX_CHARS))
            .pattern(Some(phone_pattern()))
            .description(Some(
                "A phone number, at most 32 characters: `+` and 8 to 15 digits (E.164, not led \
                 by 0), or 9 to 11 digits led by the domestic 0. Spaces, hyphens, dots and \
                 parentheses may separate the digits and white space may surround the number; \
                 both are dropped when stored.",
            ))
            .examples(["010-1234-5678", "+82 10 1234 5678"])
            .into()
    }
}
impl utoipa::ToSchema for Phone {
    fn name() -> std::borrow::Cow<'static, str> {
        "KakaoPhoneInput".into()
    }
}

/// A phone number as stored and shown: the normalised form of a [`Phone`].
pub struct StoredPhone;

impl utoipa::PartialSchema for StoredPhone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^(?:\\+[1-9][0-9]{7,14}|0[0-9]{8,10})$"))
            .description(Some(
                "The phone number as stored: digits only, led by `+` (E.164) or the domestic 0.",
            ))
            .examples(["01012345678", "+821012345678"])
            .into()
    }
}
impl utoipa::ToSchema for StoredPhone {
    fn name() -> std::borrow::Cow<'static, str> {
        "KakaoPhone".into()
    }
}

/// The external channel a user opted into.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct KakaoPreference {
    /// Whether notifications are also sent to `phone` through the KakaoTalk-style channel.
    pub enabled: bool,
    /// Always present when `enabled`; may be kept (or `null`) when not.
    #[schema(value_type = Option<StoredPhone>, required = true)]
    pub phone: Option<Phone>,
}

/// How a user wants to be notified, as `GET`/`PUT /v1/notifications/preferences` show it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
#[schema(as = NotificationPreferences)]
pub struct Preferences {
    pub locale: Locale,
    pub kakao: KakaoPreference,
}

impl Preferences {
    /// The phone to send to, only if the user enabled the channel.
    pub fn kakao_phone(&self) -> Option<&Phone> {
        if self.kakao.enabled {
            self.kakao.phone.as_ref()
        } else {
            None
        }
    }
}

/// One inbox item as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The id of the event it tells about.
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    #[serde(rename = "type")]
    #[schema(value_type = NotificationType)]
    pub kind: String,
    /// Rendered in the user's locale when the notification arrived.
    pub title: String,
    pub body: String,
    /// When the event happened; the inbox is newest first by it.
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
    /// When the user marked it read; `null` while unread.
    #[schema(value_type = Option<shared::openapi::Timestamp>, required = true)]
    pub read_at: Option<String>,
}

/// Every event type an inbox item can have (`type`): the events the consumer renders.
pub const NOTIFICATION_TYPES: [EventType; 12] = [
    EventType::Welcome,
    EventType::AttemptGraded,
    EventType::PlanReady,
    EventType::PlanCompleted,
    EventType::CommentAdded,
    EventType::OrderConfirmed,
    EventType::OrderCancelled,
    EventType::OrderRejected,
    EventType::PasswordChanged,
    EventType::Enrolled,
    EventType::EmailVerification,
    EventType::PasswordReset,
];

/// Does not compile until a new event type is in [`NOTIFICATION_TYPES`] (and then the
/// test `every_event_type_is_a_notification_type` checks its place).
#[allow(dead_code)]
const fn notification_type_index(event: EventType) -> usize {
    match event {
        EventType::Welcome => 0,
        EventType::AttemptGraded => 1,
        EventType::PlanReady => 2,
        EventType::PlanCompleted => 3,
        EventType::CommentAdded => 4,
        EventType::OrderConfirmed => 5,
        EventType::OrderCancelled => 6,
        EventType::OrderRejected => 7,
        EventType::PasswordChanged => 8,
        EventType::Enrolled => 9,
        EventType::EmailVerification => 10,
        EventType::PasswordReset => 11,
    }
}

/// The schema of an inbox item's `type`.
pub struct NotificationType;

impl utoipa::PartialSchema for NotificationType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(NOTIFICATION_TYPES.map(EventType::as_str)))
            .description(Some(
                "What happened: the type of the event the notification tells about.",
            ))
            .into()
    }
}
impl utoipa::ToSchema for NotificationType {}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(s: &str) -> Result<String, String> {
        Phone::try_from(s.to_owned()).map(String::from)
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(phone("010-1234-5678"), Ok("01012345678".to_owned()));
        assert_eq!(phone(" +82 10 1234 5678 "), Ok("+821012345678".to_owned()));
        assert_eq!(phone("(02) 123-4567"), Ok("021234567".to_owned()));
    }

    #[test]
    fn implausible_phones_are_refused() {
        for bad in [
            "",
            "12345",
            "1012345678",
            "+0101234567",
            "010-1234-56789-1",
            "010-abcd-5678",
            "+82 10 1234 5678 9999 1",
            "++821012345678",
            "010\n12345678",
        ] {
            assert!(phone(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_event_type_is_a_notification_type() {
        for (i, event) in NOTIFICATION_TYPES.into_iter().enumerate() {
            assert_eq!(notification_type_index(event), i, "{event:?}");
        }
    }

    #[test]
    fn phones_count_characters_not_bytes() {
        // 32 characters, 46 bytes: white space around the number is dropped.
        let padded = format!("010-1234-5678{}", "\u{3000}".repeat(19));
        assert_eq!(padded.chars().count(), 32);
        assert_eq!(phone(&padded), Ok("01012345678".to_owned()));
        assert!(phone(&format!("{padded} ")).is_err());
    }

    #[test]
    fn locales_are_ko_or_en() {
        assert_eq!(Locale::default(), Locale::Ko);
        assert_eq!(Locale::parse("en"), Some(Locale::En));
        assert_eq!(Locale::parse("ja"), None);
        assert_eq!(
            serde_json::from_str::<Locale>("\"ko\"").ok(),
            Some(Locale::Ko)
        );
        assert!(serde_json::from_str::<Locale>("\"KO\"").is_err());
    }
}
