//! The HTTP/1.1 side, written on `tokio::net` directly: read one request, write one response.

mod request;
mod response;

pub use request::RecordedRequest;
pub(crate) use request::{read_request, Limits};
pub(crate) use response::{complete, head};
