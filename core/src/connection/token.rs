//! The host's token provider: asked before every attempt, and for a fresh token after a 401/403.

use std::future::Future;
use std::pin::Pin;

/// Why the engine asks for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRequest {
    /// Before an attempt: a cached token is fine.
    Current,
    /// The server refused the last one (401/403): get a new one.
    Refresh,
}

/// The provider could not produce a token. `retryable` errors (no network, a busy auth server)
/// back off and retry; the others fail the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    pub message: String,
    pub retryable: bool,
}

/// The future a [`TokenProvider`] returns: `Ok(None)` sends no `Authorization` header.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, TokenError>> + Send + 'a>>;

/// Supplies bearer tokens. The engine sends `Authorization: Bearer <token>` (marked sensitive:
/// never logged), asks with [`TokenRequest::Refresh`] once after a 401/403 and retries at once;
/// a second refusal fails the connection.
pub trait TokenProvider: Send + Sync {
    fn token(&self, request: TokenRequest) -> TokenFuture<'_>;
}

impl<F, Fut> TokenProvider for F
where
    F: Fn(TokenRequest) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Option<String>, TokenError>> + Send + 'static,
{
    fn token(&self, request: TokenRequest) -> TokenFuture<'_> {
        Box::pin(self(request))
    }
}
