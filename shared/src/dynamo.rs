//! DynamoDB helpers: the client built once per cold start, attribute access that turns a
//! malformed stored item into an internal error (never a panic), and reading why a
//! conditional write or a transaction was refused.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
pub use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::StoreError;

pub type Item = HashMap<String, AttributeValue>;

/// Every table has the same key shape: a string partition key `pk` and sort key `sk`.
pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// The TTL attribute (epoch seconds) of every table.
pub const EXPIRES_AT: &str = "expiresAt";

/// The shared AWS configuration, from the environment (region, credentials, and
/// `AWS_ENDPOINT_URL_*` in the local cloud). Load once per cold start.
///
/// Its HTTPS client trusts Amazon's roots only ([`AMAZON_ROOTS`]), not the system's: loading
/// and parsing the system's ~150 roots costs a third of a function's CPU up to its first
/// response (measured by `make bench`'s driver with and without `SSL_CERT_FILE`: 5.6 → 3.6 ms
/// on this machine; at 128 MB Lambda gives a function 1/14 of a vCPU, so ~28 ms of every
/// cold start). Every DynamoDB and SQS endpoint presents
/// an Amazon Trust Services chain. With `SSL_CERT_FILE` set (a proxy with its own CA, say)
/// the system's roots are trusted as well. Every client built from this configuration shares
/// the one HTTPS client and its connection pool.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(https_client())
        .load()
        .await
}

/// Amazon Trust Services' roots (Amazon Root CA 1-4, Starfield Services Root CA G2).
pub const AMAZON_ROOTS: &[u8] = include_bytes!("amazon-roots.pem");

fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore, rustls_provider};
    let trust = TrustStore::empty()
        .with_native_roots(std::env::var_os("SSL_CERT_FILE").is_some())
        .with_pem_certificate(AMAZON_ROOTS);
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(rustls_provider::CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Only an unsupported TLS provider fails here; the default context trusts the
        // system's roots, which works, just slower to start.
        Err(e) => {
            tracing::warn!(error = %e, "using the system's trust store");
            builder.build_https()
        }
    }
}

/// A client that has not connected yet: its first request opens the connection. Functions
/// use [`connect`]; tests and tools that build clients for the emulator may use this.
///
/// Every operation it sends asks for its consumed capacity, which the current invocation
/// counts ([`crate::metering::DynamoCapacity`]): the answer grows by a few bytes, the cost
/// nothing.
pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(crate::metering::DynamoCapacity)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// The function's DynamoDB client, its connection opened during init (see [`crate::warm`]).
/// Call it once per cold start, from `App::from_env`.
///
/// The warm-up call is DescribeEndpoints: on DynamoDB's public endpoints it is answered
/// without authorisation ("DynamoDB intentionally skips authorization for the
/// DescribeEndpoints API", developer guide, Securing DynamoDB connections using VPC
/// endpoints and IAM policies), so it needs no IAM action, reads no table and costs no
/// capacity. Behind a VPC endpoint it would need `dynamodb:DescribeEndpoints`; these
/// functions run outside a VPC. The emulator answers it with UnknownOperationException,
/// which warms the connection just the same.
pub async fn connect(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let client = client(config);
    warm(&client).await;
    client
}

/// Opens `client`'s connection now (what [`connect`] does to the client it builds).
pub async fn warm(client: &aws_sdk_dynamodb::Client) -> bool {
    crate::warm::connection("dynamodb", client.describe_endpoints().send()).await
}

/// A strongly consistent read of one item.
pub async fn get_item(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: Item,
) -> Result<Option<Item>, StoreError> {
    let out = client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item)
}

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The key of an item.
pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

pub fn get_str<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::malformed(name))
}

pub fn get_opt_str<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

pub fn get_i64(item: &Item, name: &str) -> Result<i64, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::malformed(name))
}

pub fn get_bool(item: &Item, name: &str) -> Result<bool, StoreError> {
    item.get(name)
        .and_then(|v| v.as_bool().ok())
        .copied()
        .ok_or_else(|| StoreError::malformed(name))
}

/// Whether a single-item write was refused by its condition expression.
pub fn is_condition_failed<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

/// Whether a single-item conditional write was made: `false` when its condition refused
/// it, an error for any other failure.
pub fn written<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failed(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A document stored as a JSON string attribute (a part of an item no query looks into).
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(StoreError::corrupt)
}

/// The document [`to_json`] stored under `name`.
pub fn get_json<T: serde::de::DeserializeOwned>(item: &Item, name: &str) -> Result<T, StoreError> {
    serde_json::from_str(get_str(item, name)?)
        .map_err(|e| StoreError::Corrupt(format!("stored {name} is not valid: {e}")))
}

/// A transaction item that creates `item`; it fails its condition if the key exists.
pub fn put_new(
    table: &str,
    item: Item,
) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(StoreError::corrupt)?;
    Ok(aws_sdk_dynamodb::types::TransactWriteItem::builder()
        .put(put)
        .build())
}

/// Most keys one BatchGetItem may ask for.
pub const BATCH_GET_MAX: usize = 100;
/// Most requests one BatchWriteItem may carry.
pub const BATCH_WRITE_MAX: usize = 25;
/// Rounds of retrying what DynamoDB left unprocessed (throttling), with [`crate::transaction::back_off`].
pub const UNPROCESSED_RETRIES: u32 = 8;

/// The items at `keys` in `table` that exist, in no particular order: BatchGetItem in chunks
/// of [`BATCH_GET_MAX`], retrying the keys DynamoDB left unprocessed. `consistent`: strongly
/// consistent reads (twice the read units) where the caller must see its own writes.
pub async fn batch_get(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    keys: Vec<Item>,
    consistent: bool,
) -> Result<Vec<Item>, StoreError> {
    use aws_sdk_dynamodb::types::KeysAndAttributes;
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(BATCH_GET_MAX) {
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(consistent)
                .build()
                .map_err(StoreError::corrupt)?,
        );
        let mut attempt = 0;
        while let Some(request) = pending.take() {
            if attempt > UNPROCESSED_RETRIES {
                return Err(StoreError::Unavailable(format!(
                    "BatchGetItem on {table} left keys unprocessed after {UNPROCESSED_RETRIES} retries"
                )));
            }
            if attempt > 0 {
                crate::transaction::back_off(attempt - 1).await;
            }
            let out = client
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await?;
            if let Some(mut responses) = out.responses {
                found.extend(responses.remove(table).unwrap_or_default());
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut left| left.remove(table))
                .filter(|left| !left.keys().is_empty());
            attempt += 1;
        }
    }
    Ok(found)
}

/// Runs `requests` (puts and deletes) on `table`: BatchWriteItem in chunks of
/// [`BATCH_WRITE_MAX`], retrying what DynamoDB left unprocessed. Not atomic: for writes that
/// must happen together use a transaction ([`crate::transaction::Tx`]).
pub async fn batch_write(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    requests: Vec<aws_sdk_dynamodb::types::WriteRequest>,
) -> Result<(), StoreError> {
    for chunk in requests.chunks(BATCH_WRITE_MAX) {
        let mut pending = chunk.to_vec();
        let mut attempt = 0;
        while !pending.is_empty() {
            if attempt > UNPROCESSED_RETRIES {
                return Err(StoreError::Unavailable(format!(
                    "BatchWriteItem on {table} left {} requests unprocessed after {UNPROCESSED_RETRIES} retries",
                    pending.len()
                )));
            }
            if attempt > 0 {
                crate::transaction::back_off(attempt - 1).await;
            }
            let out = client
                .batch_write_item()
                .request_items(table, std::mem::take(&mut pending))
                .send()
                .await?;
            pending = out
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .unwrap_or_default();
            attempt += 1;
        }
    }
    Ok(())
}

/// A request for [`batch_write`] that deletes the item at `key`.
pub fn delete_request(key: Item) -> Result<aws_sdk_dynamodb::types::WriteRequest, StoreError> {
    let delete = aws_sdk_dynamodb::types::DeleteRequest::builder()
        .set_key(Some(key))
        .build()
        .map_err(StoreError::corrupt)?;
    Ok(aws_sdk_dynamodb::types::WriteRequest::builder()
        .delete_request(delete)
        .build())
}

/// A request for [`batch_write`] that puts `item`.
pub fn put_request(item: Item) -> Result<aws_sdk_dynamodb::types::WriteRequest, StoreError> {
    let put = aws_sdk_dynamodb::types::PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(StoreError::corrupt)?;
    Ok(aws_sdk_dynamodb::types::WriteRequest::builder()
        .put_request(put)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_store_holds_amazons_five_roots() {
        let pem = String::from_utf8_lossy(AMAZON_ROOTS);
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
    }

    /// The HTTPS connector is built (and the roots parsed; a bad PEM panics there) on a
    /// client's first request: against a closed port that request fails to connect, cleanly.
    #[tokio::test]
    async fn a_client_with_the_amazon_trust_store_connects_or_fails_cleanly() {
        use aws_sdk_dynamodb::config::{Credentials, Region};
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(https_client())
            .region(Region::new("us-east-1"))
            .endpoint_url("https://127.0.0.1:1")
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .load()
            .await;
        let error = client(&config)
            .describe_endpoints()
            .send()
            .await
            .err()
            .map(|e| matches!(e, SdkError::DispatchFailure(_)));
        assert_eq!(error, Some(true));
    }
}
