//! Types that parse, not validate: once a value of these types exists, it is valid.
//!
//! Text is stored exactly as the client sent it (no trimming, no HTML escaping) and returned
//! as JSON; clients escape it for wherever they show it. Lengths count Unicode characters,
//! not bytes, so a Korean title has the same limit as an English one.

use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 120;
pub const POST_BODY_MAX_CHARS: usize = 10_000;
pub const COMMENT_MAX_CHARS: usize = 2_000;

/// Checks the rules every text field shares: 1..=`max` characters, not only whitespace.
fn bounded(raw: &str, max: usize) -> Result<(), String> {
    let chars = raw.chars().count();
    if chars == 0 || chars > max {
        return Err(format!("must be 1 to {max} characters"));
    }
    if raw.chars().all(char::is_whitespace) {
        return Err("must not be only whitespace".to_owned());
    }
    Ok(())
}

/// A post's title: one line of 1..=120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Title(String);

impl TryFrom<String> for Title {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        bounded(&raw, TITLE_MAX_CHARS)?;
        // A title is shown on one line in lists; line breaks and other controls break that.
        if raw.chars().any(char::is_control) {
            return Err("must not contain line breaks or control characters".to_owned());
        }
        Ok(Self(raw))
    }
}

impl From<Title> for String {
    fn from(t: Title) -> Self {
        t.0
    }
}

/// A post's body: 1..=10,000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostBody(String);

impl TryFrom<String> for PostBody {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        bounded(&raw, POST_BODY_MAX_CHARS)?;
        Ok(Self(raw))
    }
}

impl From<PostBody> for String {
    fn from(b: PostBody) -> Self {
        b.0
    }
}

/// A comment's text: 1..=2,000 characters, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommentBody(String);

impl TryFrom<String> for CommentBody {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        bounded(&raw, COMMENT_MAX_CHARS)?;
        Ok(Self(raw))
    }
}

impl From<CommentBody> for String {
    fn from(b: CommentBody) -> Self {
        b.0
    }
}

// The contract's schemas of the text types: the same rules as their `TryFrom`.
impl utoipa::PartialSchema for Title {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use shared::openapi::{CONTROL, WHITE_SPACE};
        shared::openapi::string_schema(
            TITLE_MAX_CHARS,
            &format!("^[^{CONTROL}]*[^{CONTROL}{WHITE_SPACE}][^{CONTROL}]*$"),
            "One line: 1 to 120 characters, not only white space, no control characters.",
        )
    }
}
impl utoipa::ToSchema for Title {
    fn name() -> std::borrow::Cow<'static, str> {
        "PostTitle".into()
    }
}

/// Not only white space: at least one character outside it.
fn not_blank() -> String {
    format!("[^{}]", shared::openapi::WHITE_SPACE)
}

impl utoipa::PartialSchema for PostBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        shared::openapi::string_schema(
            POST_BODY_MAX_CHARS,
            &not_blank(),
            "1 to 10,000 characters, not only white space; kept exactly as sent.",
        )
    }
}
impl utoipa::ToSchema for PostBody {}

impl utoipa::PartialSchema for CommentBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        shared::openapi::string_schema(
            COMMENT_MAX_CHARS,
            &not_blank(),
            "1 to 2,000 characters, not only white space; kept exactly as sent.",
        )
    }
}
impl utoipa::ToSchema for CommentBody {}

macro_rules! as_str {
    ($($t:ty),*) => {$(
        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    )*};
}
as_str!(Title, PostBody, CommentBody);

/// A post as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    #[schema(value_type = shared::openapi::Id)]
    pub author_id: String,
    pub title: String,
    pub body: String,
    #[schema(minimum = 0)]
    pub like_count: i64,
    #[schema(minimum = 0)]
    pub comment_count: i64,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub updated_at: String,
}

/// A comment as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    #[schema(value_type = shared::openapi::Id)]
    pub id: String,
    #[schema(value_type = shared::openapi::Id)]
    pub post_id: String,
    #[schema(value_type = shared::openapi::Id)]
    pub author_id: String,
    pub body: String,
    #[schema(value_type = shared::openapi::Timestamp)]
    pub created_at: String,
}

/// A page of a list (one shape for every list).
pub use shared::http::Page;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn titles_are_one_to_120_characters_on_one_line() {
        assert!(Title::try_from(String::new()).is_err());
        assert!(Title::try_from("   ".to_owned()).is_err());
        assert!(Title::try_from("가".repeat(120)).is_ok());
        assert!(Title::try_from("가".repeat(121)).is_err());
        assert!(Title::try_from("two\nlines".to_owned()).is_err());
    }

    #[test]
    fn bodies_keep_line_breaks_and_markup_exactly() {
        let raw = "  <script>alert('x')</script>\n\n  line two  ".to_owned();
        assert_eq!(PostBody::try_from(raw.clone()).map(String::from), Ok(raw));
        assert!(PostBody::try_from("x".repeat(POST_BODY_MAX_CHARS)).is_ok());
        assert!(PostBody::try_from("x".repeat(POST_BODY_MAX_CHARS + 1)).is_err());
        assert!(PostBody::try_from("\n\t ".to_owned()).is_err());
    }

    #[test]
    fn comments_are_one_to_2000_characters() {
        assert!(CommentBody::try_from("😀".repeat(COMMENT_MAX_CHARS)).is_ok());
        assert!(CommentBody::try_from("😀".repeat(COMMENT_MAX_CHARS + 1)).is_err());
        assert!(CommentBody::try_from(String::new()).is_err());
    }

    proptest! {
        #[test]
        fn any_non_blank_text_within_the_limit_is_kept_as_given(text in "\\PC{1,200}") {
            prop_assume!(!text.chars().all(char::is_whitespace));
            prop_assert_eq!(CommentBody::try_from(text.clone()).map(String::from), Ok(text));
        }
    }
}
