//! One-time codes sent by email (email verification, password reset): six digits from the
//! operating system's CSPRNG, stored only as their SHA-256, with an expiry and a count of
//! tries. A try is counted before the code is compared (one conditional write), so however
//! many arrive at once, at most [`MAX_TRIES`] are ever compared; then the code is spent.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::http::Fields;

use crate::Error;

/// Wrong tries a code allows: the one after them is refused, even with the right code.
pub const MAX_TRIES: u32 = 5;
/// How many digits a code has.
pub const DIGITS: usize = 6;

/// A new code as sent (`code`, only ever in the email's event) and as stored (`hash`).
pub struct NewCode {
    pub code: String,
    pub hash: String,
}

/// Six uniformly drawn digits.
pub fn new_code() -> Result<NewCode, Error> {
    // The largest multiple of 10^6 below 2^32: draws above it are redrawn, so that every
    // code is equally likely.
    const LIMIT: u32 = 4_294_000_000;
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| Error::Tokens(e.to_string()))?;
        let draw = u32::from_le_bytes(bytes);
        if draw < LIMIT {
            let code = format!("{:06}", draw % 1_000_000);
            let hash = hash(&code);
            return Ok(NewCode { code, hash });
        }
    }
}

/// The stored form of `code`: its SHA-256 in lower-case hex.
pub fn hash(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `code` is the one stored as `stored_hash`, comparing in constant time.
pub fn matches(code: &str, stored_hash: &str) -> bool {
    let ours = hash(code);
    ours.len() == stored_hash.len()
        && ours
            .bytes()
            .zip(stored_hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A one-time code as stored: its hash, when it expires (epoch seconds; also the table's TTL
/// attribute, which sweeps it later), the tries counted, and for a password reset the
/// account it resets (none for an address without an account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub code_hash: String,
    pub tries: u32,
    pub expires_at: i64,
}

/// The `code` field of a request: six ASCII digits.
pub fn code_field(f: &mut Fields) -> Option<String> {
    let code: String = f.required("code")?;
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        f.error("code", "must be 6 digits");
        return None;
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_stored_hashed() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let c = new_code().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c.code.len(), DIGITS);
            assert!(c.code.bytes().all(|b| b.is_ascii_digit()), "{}", c.code);
            assert_eq!(c.hash.len(), 64);
            assert!(!c.hash.contains(&c.code));
            assert!(matches(&c.code, &c.hash));
            seen.insert(c.code);
        }
        assert!(seen.len() > 45, "codes repeat: {seen:?}");
        assert!(!matches("000000", &hash("000001")));
        assert!(!matches("000000", ""));
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            hash("123456"),
            "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92"
        );
    }
}
