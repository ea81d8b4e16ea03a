//! The host's token provider as an async foreign trait (Kotlin: a `suspend fun`, Swift: an
//! `async` method), and the adapter that hands it to the core as a `tether_core::TokenProvider`.
//! When and how often it is asked is the core's policy: before every attempt, and once with
//! `refresh = true` after a 401/403.

use std::sync::Arc;
use tether_core::{TokenError, TokenFuture, TokenRequest};

/// Why the provider has no token. Kotlin: `TokenProviderException.Retryable` / `.Fatal`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TokenProviderError {
    /// A passing problem (no network, a busy auth server): the connection backs off and asks
    /// again.
    #[error("token unavailable: {reason}")]
    Retryable { reason: String },
    /// No token can be had (signed out, refresh token revoked): the connection fails.
    #[error("token refused: {reason}")]
    Fatal { reason: String },
}

/// An exception the provider's signature does not declare (e.g. an `IOException` from the
/// host's HTTP client) is treated as passing: the connection backs off and asks again. Throw
/// `Fatal` to stop.
impl From<uniffi::UnexpectedUniFFICallbackError> for TokenProviderError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Retryable { reason: e.reason }
    }
}

impl From<TokenProviderError> for TokenError {
    fn from(e: TokenProviderError) -> Self {
        let retryable = matches!(e, TokenProviderError::Retryable { .. });
        Self { message: e.to_string(), retryable }
    }
}

/// Supplies bearer tokens, sent as `Authorization: Bearer <token>` (never logged).
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync {
    /// A token for the next request; `refresh` is `true` after the server refused the last
    /// one (get a new one rather than a cached one). `None`: send no `Authorization` header.
    async fn token(&self, refresh: bool) -> Result<Option<String>, TokenProviderError>;
}

/// The foreign provider as the core's `TokenProvider`.
pub(crate) struct TokenAdapter(pub(crate) Arc<dyn TokenProvider>);

impl tether_core::TokenProvider for TokenAdapter {
    fn token(&self, request: TokenRequest) -> TokenFuture<'_> {
        let provider = Arc::clone(&self.0);
        Box::pin(async move {
            provider.token(request == TokenRequest::Refresh).await.map_err(TokenError::from)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tether_core::TokenProvider as _;

    #[derive(Default)]
    struct Recording(Mutex<Vec<bool>>);

    #[async_trait::async_trait]
    impl TokenProvider for Recording {
        async fn token(&self, refresh: bool) -> Result<Option<String>, TokenProviderError> {
            self.0.lock().expect("lock").push(refresh);
            if refresh {
                Err(TokenProviderError::Fatal { reason: "signed out".into() })
            } else {
                Ok(Some("t".into()))
            }
        }
    }

    #[tokio::test]
    async fn the_adapter_forwards_the_request_and_maps_errors() {
        let recording = Arc::new(Recording::default());
        let adapter = TokenAdapter(recording.clone());
        assert_eq!(adapter.token(TokenRequest::Current).await, Ok(Some("t".into())));
        let refused = adapter.token(TokenRequest::Refresh).await.expect_err("fatal");
        assert!(!refused.retryable);
        assert_eq!(refused.message, "token refused: signed out");
        assert_eq!(*recording.0.lock().expect("lock"), vec![false, true]);
    }

    #[test]
    fn undeclared_exceptions_are_retryable() {
        let e = uniffi::UnexpectedUniFFICallbackError::new("java.io.IOException: timeout");
        let core: TokenError = TokenProviderError::from(e).into();
        assert!(core.retryable);
    }
}
