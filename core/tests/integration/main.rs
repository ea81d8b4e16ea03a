//! tether-core's integration tests: one binary, one module per area.

mod bad_input;
mod chaos;
mod connection;
mod lifecycle;
mod parser_table;
mod router_fixtures;
mod store_props;
mod support;
mod sync;
mod sync_support;
