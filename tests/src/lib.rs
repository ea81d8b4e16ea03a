//! # tether-testkit
//!
//! A real, scriptable, resumable HTTP/1.1 Server-Sent Events server on loopback: the backend of
//! every engine test, the embedded server of `tether demo`, and `tether serve`.
//!
//! - The truth is an append-only event log: [`TestServer::publish`] appends and sends; a request
//!   with `Last-Event-ID` gets exactly the events after that id, then live events.
//! - Requests are recorded ([`RecordedRequest`]) and answered by queued [`ResponsePlan`]s
//!   (statuses, redirects, wrong content types, hangs, gzip, dribbled bytes…), then by the
//!   default stream.
//! - Faults act on the open streams: drop, cut mid-event, stall, raw bytes, duplicates,
//!   keepalive comments, restart on the same port.
//! - Everything is tasks on the caller's tokio runtime and `tokio::time`, so tests run on a
//!   paused clock; waits ([`TestServer::wait_for_requests`], …) resolve on events, never by
//!   sleeping.
//! - [`Scenario`]s script it all from JSON; [`run_scenario`] plays one.
//!
//! ```no_run
//! use tether_testkit::{ResponsePlan, ServerEvent, TestServer};
//! # async fn demo() -> std::io::Result<()> {
//! let server = TestServer::start().await?;
//! server.enqueue(ResponsePlan::retry_after(503, 1)); // the first request is refused
//! // … point a client at server.url() …
//! server.wait_for_open_streams(1).await;
//! server.publish(ServerEvent::data(r#"{"n":1}"#).with_event("update"));
//! server.drop_streams();
//! let requests = server.wait_for_requests(3).await;
//! assert_eq!(requests[2].last_event_id.as_deref(), Some("1"));
//! # Ok(()) }
//! ```
//!
//! HTTP is written by hand on `tokio::net` (no hyper): one request per connection, every answer
//! carries `Connection: close`.

mod event;
mod http;
mod options;
mod plan;
mod scenario;
mod server;
mod stream;
mod wire;

pub use event::ServerEvent;
pub use http::RecordedRequest;
pub use options::{ReplayPolicy, ServerOptions};
pub use plan::{ResponsePlan, StreamOptions};
pub use scenario::{run_scenario, Action, Data, Publish, Scenario, Step};
pub use server::TestServer;
