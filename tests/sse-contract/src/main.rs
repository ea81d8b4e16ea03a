//! The test service LaunchDarkly's `sse-contract-tests` harness drives (its `docs/service_spec.md`):
//! `GET /` capabilities, `POST /` opens a stream, `POST /streams/N` a command, `DELETE /streams/N`
//! closes it, `DELETE /` stops the service. Each stream is a `tether_core::Connection` whose
//! events, comments and errors are POSTed back to the harness's callback URL.
//!
//! Usage: `tether-sse-contract [--port N]` (default 0: any free port). The first line on stdout
//! is `listening on http://127.0.0.1:PORT`, so a script can start it on a free port.

mod http;
mod stream;

use http::{Request, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use stream::{StreamEntity, StreamParams};
use tokio::net::TcpListener;

/// What Tether really supports, each checked against the engine's API:
/// - `comments`: `deliver_comments(true)` hands out comment lines without the colon;
/// - `headers`, `post`, `report`: `header()`, `method()`, `body()`, sent on every attempt;
/// - `last-event-id`: `last_event_id()` is sent from the first request and resumed from;
/// - `read-timeout`: `watchdog(Some(..))` drops a silent connection and reconnects;
/// - `bom`: the parser skips one leading BOM, also when it arrives split across reads;
/// - `server-directed-shutdown-request` (`204` in older harnesses): HTTP 204 closes for good;
/// - `empty-or-missing-location`: a 3xx without a usable `Location` ends in an error;
/// - `payload-size-stress-testable`: events up to the configured limit (raised to 4 MiB here).
///
/// - `restart`: `Connection::restart()` drops the stream and reconnects at once, resuming.
///
/// Not declared: `event-type-listeners` (Tether delivers every event type without listeners).
const CAPABILITIES: &[&str] = &[
    "comments",
    "headers",
    "last-event-id",
    "post",
    "report",
    "read-timeout",
    "bom",
    "server-directed-shutdown-request",
    "204",
    "empty-or-missing-location",
    "payload-size-stress-testable",
    "restart",
];

#[derive(Debug)]
struct Service {
    streams: Mutex<HashMap<u64, StreamEntity>>,
    next_id: Mutex<u64>,
    callbacks: reqwest::Client,
    shutdown: tokio::sync::Notify,
}

#[tokio::main]
async fn main() {
    // reqwest is built with `rustls-no-provider`: a provider must exist before any client does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = match parse_port() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}\nusage: tether-sse-contract [--port N]");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {error}");
            std::process::exit(1);
        }
    };
    let callbacks = match reqwest::Client::builder().no_proxy().build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("cannot build the callback client: {error}");
            std::process::exit(1);
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    println!("listening on http://{local}");
    let service = Arc::new(Service {
        streams: Mutex::new(HashMap::new()),
        next_id: Mutex::new(0),
        callbacks,
        shutdown: tokio::sync::Notify::new(),
    });
    loop {
        tokio::select! {
            () = service.shutdown.notified() => break,
            accepted = listener.accept() => {
                let Ok((mut socket, _)) = accepted else { continue };
                let service = Arc::clone(&service);
                tokio::spawn(async move {
                    let Some(request) = http::read_request(&mut socket).await else { return };
                    let response = service.handle(request);
                    http::write_response(&mut socket, response).await;
                });
            }
        }
    }
    // Let the `DELETE /` response reach the harness, then stop every stream.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let streams: Vec<_> = lock(&service.streams).drain().map(|(_, s)| s).collect();
    streams.into_iter().for_each(StreamEntity::close);
    println!("stopped by the harness");
}

fn parse_port() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                port = value.parse().map_err(|_| format!("bad port {value:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(port)
}

impl Service {
    fn handle(&self, request: Request) -> Response {
        let stream_id = request.path.strip_prefix("/streams/").map(|id| id.parse::<u64>().ok());
        match (request.method.as_str(), request.path.as_str(), stream_id) {
            ("GET", "/", _) => {
                Response::json(200, &json!({ "name": "tether", "capabilities": CAPABILITIES }))
            }
            ("DELETE", "/", _) => {
                self.shutdown.notify_one();
                Response::empty(204)
            }
            ("POST", "/", _) => self.create(&request.body),
            ("POST", _, Some(Some(id))) => self.command(id, &request.body),
            ("DELETE", _, Some(Some(id))) => match lock(&self.streams).remove(&id) {
                Some(stream) => {
                    stream.close();
                    Response::empty(204)
                }
                None => Response::empty(404),
            },
            (_, "/", _) | (_, _, Some(Some(_))) => Response::empty(405),
            _ => Response::empty(404),
        }
    }

    fn create(&self, body: &[u8]) -> Response {
        let params: StreamParams = match serde_json::from_slice(body) {
            Ok(params) => params,
            Err(error) => return Response::text(400, format!("bad stream parameters: {error}")),
        };
        let stream = match StreamEntity::open(params, self.callbacks.clone()) {
            Ok(stream) => stream,
            Err(error) => return Response::text(400, format!("refused by the engine: {error}")),
        };
        let id = {
            let mut next = lock(&self.next_id);
            *next += 1;
            *next
        };
        lock(&self.streams).insert(id, stream);
        let mut response = Response::empty(201);
        response.headers.push(("Location", format!("/streams/{id}")));
        response
    }

    fn command(&self, id: u64, body: &[u8]) -> Response {
        let command = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("command").and_then(|c| c.as_str()).map(str::to_owned))
            .unwrap_or_default();
        let streams = lock(&self.streams);
        let Some(stream) = streams.get(&id) else {
            return Response::empty(404);
        };
        match command.as_str() {
            "restart" => {
                stream.restart();
                Response::empty(204)
            }
            // `listen` is only for clients that need per-type listeners.
            _ => Response::text(400, format!("unsupported command {command:?}")),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
