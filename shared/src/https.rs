//! The HTTPS client of the adapters that call a third party's API (the payment provider,
//! the KakaoTalk channel): where their endpoint may point, and one pooled client per cold
//! start on the same hyper + rustls (aws-lc-rs) stack the AWS SDK already links, so no
//! second TLS implementation enters a binary. Behind the `https` feature: only those
//! functions build it.

use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::config::{self, ConfigError};

/// A pooled HTTP/1.1 client over TLS (or plain HTTP where [`endpoint`] allowed it).
pub type Client = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// How long a pooled connection may stay idle before it is closed.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// `base_url` (a trailing `/` dropped) followed by `path`, as a URI. It must be https;
/// plain http is accepted only on loopback (a local stand-in). Errors name `var`, the
/// setting `base_url` came from.
pub fn endpoint(var: &'static str, base_url: &str, path: &str) -> Result<Uri, ConfigError> {
    let invalid = |why: &str| config::invalid(var, why);
    let uri: Uri = format!("{}{path}", base_url.trim().trim_end_matches('/'))
        .parse()
        .map_err(|_| invalid("is not a URL"))?;
    let loopback = matches!(uri.host(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if loopback => Ok(uri),
        _ => Err(invalid("must be an https URL")),
    }
}

/// A client whose connection attempts give up after `connect_timeout` (the whole request's
/// deadline is the caller's). Errors (no TLS roots) name `var`.
pub fn client(var: &'static str, connect_timeout: Duration) -> Result<Client, ConfigError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(connect_timeout));
    // The provider is named explicitly: were another crate in the binary to enable a
    // second rustls provider, the implicit default would panic at first use.
    let https = HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|e| config::invalid(var, format!("TLS roots: {e}")))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(https),
    )
}

/// POSTs `body` as JSON to what `request` names (its URI and the caller's own headers)
/// and answers the status with the answer's body, read to the end within `max_answer`
/// bytes (its `Err` says why it could not be). The outer error, as text for the log: the
/// request could not be built or sent.
pub async fn post_json(
    client: &Client,
    request: http::request::Builder,
    body: &impl serde::Serialize,
    max_answer: usize,
) -> Result<(http::StatusCode, Result<Bytes, String>), String> {
    let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let request = request
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("building the request: {e}"))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("calling the provider: {e}"))?;
    let status = response.status();
    let answer = Limited::new(response.into_body(), max_answer)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| e.to_string());
    Ok((status, answer))
}
