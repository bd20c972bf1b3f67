//! List cursors: the DynamoDB `LastEvaluatedKey`, signed so a client can neither forge nor
//! alter one (a tampered cursor is a 400), and bound to the list it came from (a cursor of
//! one user's list is refused on another's).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{self, ConfigError};
use crate::dynamo::{AttributeValue, Item};
use crate::problem::ApiError;
use crate::secrets::{Secret, Secrets};

/// The environment variable naming the cursor secret's parameter.
pub const SECRET_PARAMETER: &str = "CURSOR_SECRET_PARAMETER";

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct CursorCodec {
    secret: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec")
    }
}

impl CursorCodec {
    /// From the SecureString parameter that `CURSOR_SECRET_PARAMETER` names.
    pub async fn from_ssm(secrets: &Secrets) -> Result<Self, ConfigError> {
        Self::from_secret(&secrets.read(SECRET_PARAMETER).await?)
    }

    /// A codec keyed by `secret`, which must be 32 characters or more.
    fn from_secret(secret: &Secret) -> Result<Self, ConfigError> {
        if secret.expose().len() < 32 {
            return Err(config::invalid(
                SECRET_PARAMETER,
                "its parameter's value is shorter than 32 characters",
            ));
        }
        Ok(Self::new(secret.expose().as_bytes()))
    }

    pub fn new(secret: &[u8]) -> Self {
        Self {
            secret: secret.to_vec(),
        }
    }

    fn mac(&self, scope: &str, payload: &str) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(scope.as_bytes());
        mac.update(b"\n");
        mac.update(payload.as_bytes());
        mac
    }

    /// A cursor for `last_key` (string and number attributes, as DynamoDB keys are).
    pub fn encode(&self, scope: &str, last_key: &Item) -> String {
        let plain: HashMap<&str, (&str, &str)> = last_key
            .iter()
            .filter_map(|(k, v)| match v {
                AttributeValue::S(s) => Some((k.as_str(), ("S", s.as_str()))),
                AttributeValue::N(n) => Some((k.as_str(), ("N", n.as_str()))),
                _ => None,
            })
            .collect();
        let payload = B64.encode(serde_json::to_vec(&plain).unwrap_or_default());
        let tag = B64.encode(self.mac(scope, &payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The key a cursor stands for; 400 if it was not made by us for this `scope`.
    pub fn decode(&self, scope: &str, cursor: &str) -> Result<Item, ApiError> {
        let bad = || ApiError::field("cursor", "is not a cursor this list gave out");
        let (payload, tag) = cursor.split_once('.').ok_or_else(bad)?;
        let tag = B64.decode(tag).map_err(|_| bad())?;
        self.mac(scope, payload)
            .verify_slice(&tag)
            .map_err(|_| bad())?;
        let bytes = B64.decode(payload).map_err(|_| bad())?;
        let plain: HashMap<String, (String, String)> =
            serde_json::from_slice(&bytes).map_err(|_| bad())?;
        plain
            .into_iter()
            .map(|(k, (kind, v))| match kind.as_str() {
                "S" => Ok((k, AttributeValue::S(v))),
                "N" => Ok((k, AttributeValue::N(v))),
                _ => Err(bad()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::{n, s};
    use proptest::prelude::*;

    fn codec() -> CursorCodec {
        CursorCodec::new(b"0123456789abcdef0123456789abcdef")
    }

    proptest! {
        #[test]
        fn a_cursor_round_trips(pk in ".{0,40}", num in any::<i64>()) {
            let key = Item::from([("pk".to_owned(), s(pk)), ("n".to_owned(), n(num))]);
            let c = codec().encode("scope", &key);
            prop_assert_eq!(codec().decode("scope", &c).ok(), Some(key));
        }

        #[test]
        fn any_altered_cursor_is_refused(pk in "[a-z]{1,20}", at in 0usize..200, ch in "[A-Za-z0-9_.-]") {
            let key = Item::from([("pk".to_owned(), s(pk))]);
            let c = codec().encode("scope", &key);
            let mut chars: Vec<char> = c.chars().collect();
            let i = at % chars.len();
            let replacement = ch.chars().next().unwrap_or('A');
            prop_assume!(chars[i] != replacement);
            chars[i] = replacement;
            let altered: String = chars.into_iter().collect();
            prop_assert!(codec().decode("scope", &altered).is_err());
        }
    }

    #[test]
    fn a_cursor_is_bound_to_its_scope_and_secret() {
        let key = Item::from([("pk".to_owned(), s("USER#1"))]);
        let c = codec().encode("posts:user-1", &key);
        assert!(codec().decode("posts:user-2", &c).is_err());
        assert!(
            CursorCodec::new(b"another secret, also long enough!!")
                .decode("posts:user-1", &c)
                .is_err()
        );
        assert!(codec().decode("posts:user-1", "garbage").is_err());
    }
}
