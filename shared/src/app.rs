//! The application context: what an HTTP function (or a domain's consumer) builds once per
//! cold start and lends to every invocation. One definition for every domain: a domain
//! names its store (a [`TableStore`]) and gets `App = Context<Store>`.

use std::sync::Arc;

use crate::auth::TokenVerifier;
use crate::clock::{Clock, SystemClock};
use crate::config::ConfigError;
use crate::cursor::CursorCodec;
use crate::problem::ApiError;
use crate::secrets::Secrets;

/// A domain's store: built from a DynamoDB client and the name of the one table it owns.
pub trait TableStore: Sized + Send + Sync {
    /// The environment variable that names the table (`USERS_TABLE`, ...).
    const TABLE_ENV: &'static str;

    fn new(client: aws_sdk_dynamodb::Client, table: String) -> Self;

    /// The store of this function, its connection opened during init.
    fn from_env(config: &aws_config::SdkConfig) -> impl Future<Output = Result<Self, ConfigError>> {
        async move {
            let table = crate::config::required(Self::TABLE_ENV)?;
            Ok(Self::new(crate::dynamo::connect(config).await, table))
        }
    }
}

/// What a function needs: its store, the access-token verifier, the clock, and (for the
/// listing functions only, which alone are given the secret) the cursor codec.
pub struct Context<S> {
    pub store: S,
    pub verifier: TokenVerifier,
    pub clock: Arc<dyn Clock>,
    pub cursors: Option<CursorCodec>,
}

impl<S: TableStore> Context<S> {
    /// For a function that does not list: store, verifier and the system clock.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = crate::dynamo::sdk_config().await;
        Ok(Self::new(
            S::from_env(&config).await?,
            TokenVerifier::from_env()?,
            Arc::new(SystemClock),
        ))
    }

    /// For the listing functions, which sign and check cursors.
    pub async fn with_cursors_from_env() -> Result<Self, ConfigError> {
        let (app, cursors) = Self::from_env_with(CursorCodec::from_ssm).await?;
        Ok(app.with_cursors(cursors))
    }

    /// For a function that holds a secret: the context, and what `read` builds from SSM
    /// ([`crate::secrets`]), read while the store's connection opens so that the cold start
    /// waits for the slower of the two, not for both.
    pub async fn from_env_with<T>(
        read: impl AsyncFnOnce(&Secrets) -> Result<T, ConfigError>,
    ) -> Result<(Self, T), ConfigError> {
        let config = crate::dynamo::sdk_config().await;
        let secrets = Secrets::new(&config);
        let (store, held) = tokio::join!(S::from_env(&config), read(&secrets));
        let app = Self::new(store?, TokenVerifier::from_env()?, Arc::new(SystemClock));
        Ok((app, held?))
    }
}

impl<S> Context<S> {
    pub fn new(store: S, verifier: TokenVerifier, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            verifier,
            clock,
            cursors: None,
        }
    }

    pub fn with_cursors(mut self, cursors: CursorCodec) -> Self {
        self.cursors = Some(cursors);
        self
    }

    /// The cursor codec; a function that lists without one is misconfigured (a 500).
    pub fn cursors(&self) -> Result<&CursorCodec, ApiError> {
        self.cursors
            .as_ref()
            .ok_or_else(|| ApiError::internal("this function holds no cursor secret"))
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Now in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        epoch_ms(self.clock.now())
    }
}

/// `t` in milliseconds since the epoch.
pub fn epoch_ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Runs a queue consumer of the domain whose store is `S`: telemetry, the domain's
/// `Context` from the environment (once per cold start), then `handle` on every batch,
/// which reports its partial failures (see [`crate::sqs_batch::process`]).
pub async fn consume<S, F, Fut>(handle: F) -> Result<(), lambda_runtime::Error>
where
    S: TableStore + 'static,
    F: Fn(Arc<Context<S>>, aws_lambda_events::event::sqs::SqsEvent) -> Fut,
    Fut: Future<Output = aws_lambda_events::event::sqs::SqsBatchResponse>,
{
    crate::telemetry::init();
    let app = Arc::new(Context::<S>::from_env().await?);
    let handle = &handle;
    let app = &app;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| {
            crate::invocation::handle(event, move |event| async move {
                Ok::<_, std::convert::Infallible>(handle(app.clone(), event.payload).await)
            })
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn epoch_ms_counts_milliseconds() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
        assert_eq!(super::epoch_ms(t), 1_700_000_000_000);
    }
}
