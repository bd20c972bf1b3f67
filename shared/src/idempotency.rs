//! `Idempotency-Key` for creating requests a client may retry.
//!
//! The first answer is stored in the same transaction as what the request creates, so a
//! request is either done and recorded or neither: a retry with the same key and body
//! replays that answer, a retry with another body is 409, and two concurrent first tries
//! cannot both create (the record is a conditional put; the loser replays the winner).

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use http::StatusCode;
use lambda_http::{Body, Request};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::dynamo::{self, EXPIRES_AT, Item, PK, SK, get_i64, get_str, n, s};
use crate::http::HttpResult;
use crate::problem::ApiError;
use crate::store::StoreError;

pub const HEADER: &str = "idempotency-key";
/// How long a key is remembered.
const RETENTION_SECONDS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The header's key, if any; 400 if it is present but not 1..=255 visible ASCII characters.
    pub fn optional(req: &Request) -> Result<Option<Self>, ApiError> {
        let Some(value) = req.headers().get(HEADER) else {
            return Ok(None);
        };
        let key = value.to_str().unwrap_or("").trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::field(
                HEADER,
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Some(Self(key.to_owned())))
    }

    /// The header's key; 400 without one.
    pub fn required(req: &Request) -> Result<Self, ApiError> {
        Self::optional(req)?.ok_or_else(|| ApiError::field(HEADER, "is required for this request"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What makes two requests "the same": method, path and the body's JSON content. Key
/// order, white space and number spelling (`1` / `1.0`) do not count: a client that
/// re-serialises the same request gets the first answer, not a 409. A body that is not
/// JSON (refused anyway) counts byte for byte.
pub fn fingerprint(req: &Request) -> String {
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update(b" ");
    h.update(req.uri().path());
    h.update(b"\n");
    match serde_json::from_slice::<serde_json::Value>(req.body().as_ref()) {
        Ok(value) => h.update(canonical_json(&value).as_bytes()),
        Err(_) => h.update(req.body().as_ref()),
    }
    hex(&h.finalize())
}

/// `value` as text with sorted keys and every number written as the number it is.
fn canonical_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Number(n) => match n.as_f64() {
            // 1 and 1.0 are one number; integers above 2^53 keep their exact digits.
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        },
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", inner.join(","))
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical_json(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        other => other.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A first answer, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

impl Recorded {
    /// The stored answer again, or 409 if this request is not the one that made it.
    pub fn replay(&self, fingerprint: &str) -> HttpResult {
        if self.fingerprint != fingerprint {
            return Err(ApiError::conflict(
                "idempotency_key_reused",
                "This Idempotency-Key was used with another request.",
            ));
        }
        let status = StatusCode::from_u16(self.status).map_err(ApiError::internal)?;
        let mut response = lambda_http::Response::new(Body::Text(self.body.clone()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(
            "idempotent-replayed",
            http::HeaderValue::from_static("true"),
        );
        Ok(response)
    }
}

/// Idempotency records kept in a domain's own table.
#[derive(Debug, Clone)]
pub struct Idempotency {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn item_key(scope: &str, key: &IdempotencyKey) -> Item {
    raw_item_key(scope, key.as_str())
}

fn raw_item_key(scope: &str, key: &str) -> Item {
    dynamo::key(format!("IDEMPOTENCY#{scope}#{key}"), "IDEMPOTENCY")
}

impl Idempotency {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The delete of `scope`'s record of `key` (as [`IdempotencyKey::as_str`] gave it), as a
    /// transaction item: a person's records go with their account. Deleting what is gone
    /// (expired) is not an error.
    pub fn delete(&self, scope: &str, key: &str) -> Result<TransactWriteItem, StoreError> {
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(raw_item_key(scope, key)))
            .build()
            .map_err(StoreError::corrupt)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// The answer recorded for `key` within `scope` (a user id), if any.
    pub async fn lookup(
        &self,
        scope: &str,
        key: &IdempotencyKey,
    ) -> Result<Option<Recorded>, StoreError> {
        let found = dynamo::get_item(&self.client, &self.table, item_key(scope, key)).await?;
        let Some(item) = found else {
            return Ok(None);
        };
        Ok(Some(Recorded {
            fingerprint: get_str(&item, "fingerprint")?.to_owned(),
            status: u16::try_from(get_i64(&item, "status")?).map_err(StoreError::corrupt)?,
            body: get_str(&item, "body")?.to_owned(),
        }))
    }

    /// The transaction item that records `answer` for `key`; it fails its condition if the
    /// key was recorded meanwhile.
    pub fn record(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        answer: &Recorded,
        now: OffsetDateTime,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("fingerprint", s(&answer.fingerprint))
            .item("status", n(i64::from(answer.status)))
            .item("body", s(&answer.body))
            .item(EXPIRES_AT, n(now.unix_timestamp() + RETENTION_SECONDS))
            .condition_expression("attribute_not_exists(pk)");
        for (k, v) in item_key(scope, key) {
            put = put.item(k, v);
        }
        let put = put.build().map_err(StoreError::corrupt)?;
        debug_assert!(put.item().contains_key(PK) && put.item().contains_key(SK));
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: Option<&str>, body: &str) -> Request {
        let mut b = http::Request::builder().method("POST").uri("/v1/orders");
        if let Some(k) = key {
            b = b.header(HEADER, k);
        }
        b.body(Body::Text(body.to_owned())).unwrap_or_default()
    }

    #[test]
    fn keys_are_validated() {
        assert!(IdempotencyKey::required(&req(None, "")).is_err());
        assert!(IdempotencyKey::required(&req(Some(""), "")).is_err());
        assert!(IdempotencyKey::required(&req(Some(&"k".repeat(256)), "")).is_err());
        assert!(
            matches!(IdempotencyKey::required(&req(Some("order-1"), "")), Ok(k) if k.as_str() == "order-1")
        );
    }

    #[test]
    fn replay_needs_the_same_request() {
        let first = req(Some("k"), r#"{"q":1}"#);
        let recorded = Recorded {
            fingerprint: fingerprint(&first),
            status: 202,
            body: "{\"orderId\":\"x\"}".into(),
        };
        let again = recorded.replay(&fingerprint(&req(Some("k"), r#"{"q":1}"#)));
        assert!(matches!(again, Ok(r) if r.status() == StatusCode::ACCEPTED));
        let other = recorded.replay(&fingerprint(&req(Some("k"), r#"{"q":2}"#)));
        assert!(matches!(other, Err(e) if e.status == StatusCode::CONFLICT));
    }

    #[test]
    fn the_same_content_reformatted_is_the_same_request() {
        let a = fingerprint(&req(Some("k"), r#"{"q":1,"p":{"x":"y","z":[1,2]}}"#));
        let b = fingerprint(&req(
            Some("k"),
            "{\n  \"p\": {\"z\": [1, 2.0], \"x\": \"y\"},\n  \"q\": 1\n}",
        ));
        assert_eq!(a, b);
        let c = fingerprint(&req(Some("k"), r#"{"q":1,"p":{"x":"y","z":[2,1]}}"#));
        assert_ne!(a, c, "order inside a list is content");
        let d = fingerprint(&req(Some("k"), r#"{"q":"1","p":{"x":"y","z":[1,2]}}"#));
        assert_ne!(a, d, "a string is not a number");
    }
}
