//! Types that parse, not validate: once a value of these types exists, it is valid.

use serde::{Deserialize, Serialize};

/// The language a user reads notifications in; Korean unless they chose otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// A phone number a messaging provider can deliver to: digits, optionally led by `+` (E.164)
/// or a domestic `0` prefix (`010-1234-5678`). Spaces, hyphens, dots and parentheses are
/// dropped; what is stored is the normalised form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl TryFrom<String> for Phone {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let invalid = || "is not a phone number (e.g. 010-1234-5678 or +821012345678)".to_owned();
        if raw.len() > 32 {
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

/// The external channel a user opted into.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct KakaoPreference {
    pub enabled: bool,
    pub phone: Option<Phone>,
}

/// How a user wants to be notified, as `GET`/`PUT /v1/notifications/preferences` show it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

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
