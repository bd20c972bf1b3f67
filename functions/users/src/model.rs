//! Types that parse, not validate: once a value of these types exists, it is valid.

use serde::{Deserialize, Serialize};
use shared::auth::Role;

/// An email address, trimmed and lower-cased: accounts compare emails case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let email = raw.trim().to_lowercase();
        let invalid = || "is not a valid email address".to_owned();
        if email.len() < 3
            || email.len() > 254
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && label.len() <= 63);
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
/// Bounds the work one sign-in can ask of Argon2.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A password as typed. Its `Debug` never shows it.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl TryFrom<String> for Password {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(format!("must be at least {PASSWORD_MIN_CHARS} characters"));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(format!("must be at most {PASSWORD_MAX_CHARS} characters"));
        }
        Ok(Self(raw))
    }
}

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

pub const NAME_MAX_CHARS: usize = 50;

/// A display name: 1..=50 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl TryFrom<String> for DisplayName {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > NAME_MAX_CHARS {
            return Err(format!("must be 1 to {NAME_MAX_CHARS} characters"));
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters".to_owned());
        }
        Ok(Self(name.to_owned()))
    }
}

impl From<DisplayName> for String {
    fn from(n: DisplayName) -> Self {
        n.0
    }
}

impl DisplayName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::try_from(" Kim@Example.COM ".to_owned()).map(String::from),
            Ok("kim@example.com".to_owned())
        );
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a@b..co", "a b@c.co", "a@b@c.co", "a\n@b.co",
        ] {
            assert!(Email::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_ten_characters_counted_as_characters() {
        assert!(Password::try_from("123456789".to_owned()).is_err());
        assert!(Password::try_from("1234567890".to_owned()).is_ok());
        assert!(Password::try_from("비밀번호비밀번호비밀".to_owned()).is_ok());
        assert!(Password::try_from("x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", Password::try_from("1234567890".to_owned())),
            "Ok(Password(***))"
        );
    }

    #[test]
    fn names_are_one_to_fifty_characters() {
        assert!(DisplayName::try_from("  ".to_owned()).is_err());
        assert!(DisplayName::try_from("김".repeat(50)).is_ok());
        assert!(DisplayName::try_from("김".repeat(51)).is_err());
        assert!(DisplayName::try_from("a\u{7}b".to_owned()).is_err());
    }

    proptest! {
        #[test]
        fn email_case_never_matters(local in "[a-zA-Z0-9._%+-]{1,20}", domain in "[a-zA-Z0-9-]{1,20}\\.[a-zA-Z]{2,6}") {
            let raw = format!("{local}@{domain}");
            let lower = Email::try_from(raw.to_lowercase()).map(String::from);
            let upper = Email::try_from(raw.to_uppercase()).map(String::from);
            prop_assert!(lower.is_ok());
            prop_assert_eq!(lower, upper);
        }
    }
}
