//! Types that parse, not validate: once a value of these types exists, it is valid.

use serde::{Deserialize, Serialize};
use shared::auth::Role;

pub const EMAIL_MAX_CHARS: usize = 254;
pub const EMAIL_LOCAL_MAX_CHARS: usize = 64;
pub const EMAIL_LABEL_MAX_CHARS: usize = 63;

/// An email address, trimmed and lower-cased: accounts compare emails case-insensitively.
///
/// The rules are those the contract's schema states (see [`Email`]'s `PartialSchema`): at
/// most 254 characters as sent; once trimmed, `local@domain` with no white space or control
/// characters, a local part of 1 to 64 characters and a domain of two or more dot-separated
/// labels of 1 to 63 characters. Lengths count characters, before lower-casing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let invalid = || "is not a valid email address".to_owned();
        if raw.chars().count() > EMAIL_MAX_CHARS {
            return Err(invalid());
        }
        let email = raw.trim();
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let local_chars = local.chars().count();
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && label.chars().count() <= EMAIL_LABEL_MAX_CHARS);
        if local_chars == 0 || local_chars > EMAIL_LOCAL_MAX_CHARS || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email.to_lowercase()))
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

/// A display name: at most 50 characters as sent, at least one of them not white space, and
/// no control characters once trimmed (white space around it, tabs included, is removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl TryFrom<String> for DisplayName {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let name = raw.trim();
        if name.is_empty() || raw.chars().count() > NAME_MAX_CHARS {
            return Err(format!(
                "must be 1 to {NAME_MAX_CHARS} characters, not all white space"
            ));
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    /// The email, trimmed and lower-cased.
    pub email: String,
    /// The display name, trimmed.
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    #[schema(value_type = UserRole)]
    pub role: Role,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
    /// Whether the owner entered the code emailed at sign-up (`POST
    /// /v1/users/me/email/verify`) or reset the password by email.
    pub email_verified: bool,
}

// `shared::auth::Role` as the contract shows it (the shared type has no schema of its own).
/// What an account may do: `admin` adds the admin-only operations.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum UserRole {
    Student,
    Admin,
}

// The contract's schemas of the input types: the same rules as their `TryFrom`.
impl utoipa::PartialSchema for Email {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use shared::openapi::{CONTROL, WHITE_SPACE};
        let local = format!("[^@{WHITE_SPACE}{CONTROL}]{{1,{EMAIL_LOCAL_MAX_CHARS}}}");
        let label = format!("[^@.{WHITE_SPACE}{CONTROL}]{{1,{EMAIL_LABEL_MAX_CHARS}}}");
        shared::openapi::string_schema(
            EMAIL_MAX_CHARS,
            &format!("^[{WHITE_SPACE}]*{local}@{label}(?:\\.{label})+[{WHITE_SPACE}]*$"),
            "An email address, any case: at most 254 characters as sent; white space around \
             it is removed; then `local@domain` with no white space or control characters, a \
             local part of 1 to 64 characters and two or more dot-separated domain labels of \
             1 to 63 characters. Compared and stored lower-cased.",
        )
    }
}
impl utoipa::ToSchema for Email {}

impl utoipa::PartialSchema for Password {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(PASSWORD_MIN_CHARS))
            .max_length(Some(PASSWORD_MAX_CHARS))
            .description(Some(
                "A new password: 10 to 128 characters (not bytes), any characters, kept exactly \
                 as sent.",
            ))
            .into()
    }
}
impl utoipa::ToSchema for Password {}

impl utoipa::PartialSchema for DisplayName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use shared::openapi::{CONTROL, WHITE_SPACE};
        shared::openapi::string_schema(
            NAME_MAX_CHARS,
            &format!(
                "^[{WHITE_SPACE}]*[^{CONTROL}]*[^{CONTROL}{WHITE_SPACE}][^{CONTROL}]*[{WHITE_SPACE}]*$"
            ),
            "A display name: at most 50 characters as sent, at least one not white space. \
             White space around it (tabs and line breaks included) is removed; what remains \
             holds no control characters.",
        )
    }
}
impl utoipa::ToSchema for DisplayName {}

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
    fn email_lengths_count_characters_and_the_whole_as_sent() {
        let longest = format!(
            "{}@{}.{}.{}",
            "a".repeat(64),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(longest.chars().count(), EMAIL_MAX_CHARS);
        assert!(Email::try_from(longest.clone()).is_ok());
        assert!(Email::try_from(format!(" {longest}")).is_err());
        assert!(Email::try_from(format!("{}@{}.kr", "김".repeat(64), "학".repeat(63))).is_ok());
        assert!(Email::try_from(format!("{}@b.kr", "김".repeat(65))).is_err());
        assert!(Email::try_from(format!("a@{}.kr", "학".repeat(64))).is_err());
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
        assert!(DisplayName::try_from(format!(" {}", "김".repeat(50))).is_err());
        assert_eq!(
            DisplayName::try_from("\tKim Lee\n".to_owned()).map(String::from),
            Ok("Kim Lee".to_owned())
        );
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
