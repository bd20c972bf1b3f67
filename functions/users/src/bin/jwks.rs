//! GET /.well-known/jwks.json: needs no table, so it builds no AWS client.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let verifier = shared::auth::TokenVerifier::from_env()?;
    shared::http::serve(|_req| async { users::profile::jwks(&verifier) }).await
}
