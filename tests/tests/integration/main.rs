//! tether-testkit's integration tests: real sockets on loopback, a raw HTTP client, no sleeping
//! (tests await the server's `wait_*` helpers; timeouts are only a safety net).

mod client;
mod encodings;
mod faults;
mod keepalive;
mod plans;
mod requests;
mod restart;
mod resume;
mod scenarios;
mod streaming;
