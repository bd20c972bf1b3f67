//! Bounded free text from a request (titles, prompts, choices): trimmed, and its length
//! counted in characters, not bytes, so Korean and English get the same limits.

use serde::{Deserialize, Serialize};

/// Text of at most `MAX` characters as sent and at least `MIN` after trimming. Once one
/// exists, it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> TryFrom<String> for Text<MIN, MAX> {
    type Error = String;

    /// The length and the characters are those sent (what the document's `maxLength` and
    /// `pattern` say); what is kept is trimmed, and must still be `MIN` characters long.
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let text = raw.trim();
        if text.chars().count() < MIN || raw.chars().count() > MAX {
            return Err(if MIN == 0 {
                format!("must be at most {MAX} characters")
            } else {
                format!("must be {MIN} to {MAX} characters, not all white space")
            });
        }
        if raw
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err("must not hold control characters".to_owned());
        }
        Ok(Self(text.to_owned()))
    }
}

impl<const MIN: usize, const MAX: usize> From<Text<MIN, MAX>> for String {
    fn from(t: Text<MIN, MAX>) -> Self {
        t.0
    }
}

impl<const MIN: usize, const MAX: usize> Text<MIN, MAX> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A machine name such as a skill (`fractions`, `linear-equations`): lowercase ASCII
/// letters and digits in words joined by single hyphens, at most `MAX` characters. Safe to
/// use inside table keys (it never holds `#`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug<const MAX: usize>(String);

impl<const MAX: usize> TryFrom<String> for Slug<MAX> {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let slug = raw.as_str();
        let words_ok = slug.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if slug.is_empty() || slug.len() > MAX || !words_ok {
            return Err(format!(
                "must be 1 to {MAX} lowercase letters or digits, words joined by single hyphens"
            ));
        }
        Ok(Self(slug.to_owned()))
    }
}

impl<const MAX: usize> From<Slug<MAX>> for String {
    fn from(s: Slug<MAX>) -> Self {
        s.0
    }
}

impl<const MAX: usize> Slug<MAX> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Title = Text<1, 5>;

    #[test]
    fn trims_and_counts_characters() {
        assert_eq!(
            Title::try_from(" 검사 ".to_owned()).map(String::from),
            Ok("검사".to_owned())
        );
        // The limit counts what was sent, as the document's maxLength does.
        assert!(Title::try_from(" 검사하기 ".to_owned()).is_err());
        // A carriage return is a control character even where trimming would drop it.
        assert!(Title::try_from("\rab".to_owned()).is_err());
        assert!(Title::try_from("   ".to_owned()).is_err());
        assert!(Title::try_from("abcdef".to_owned()).is_err());
        assert!(Title::try_from("a\u{0}b".to_owned()).is_err());
        assert!(Text::<0, 5>::try_from(String::new()).is_ok());
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        for ok in ["fractions", "linear-equations", "a1-b2"] {
            assert!(Slug::<20>::try_from(ok.to_owned()).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Fractions",
            "a--b",
            "-a",
            "a-",
            "a#b",
            "a b",
            " ab",
            "ab".repeat(11).as_str(),
        ] {
            assert!(Slug::<20>::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }
}
