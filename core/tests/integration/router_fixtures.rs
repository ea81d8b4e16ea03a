//! The router fixtures: for each envelope style in `tests/fixtures/router/` (format:
//! `tests/fixtures/router/README.md`), `events.sse` is parsed with [`Parser`], every event is
//! routed with the directory's `rules.json`, and the results must equal `expected.json`.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use tether_core::{Event, Frame, Op, Parser, ParserLimits, RouteErrorKind, Routed, Router};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/router")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every event of a raw stream, in order.
fn events(stream: &[u8]) -> Vec<Event> {
    let mut parser = Parser::new(ParserLimits::default());
    let mut events = Vec::new();
    parser
        .feed(stream, &mut |frame| {
            if let Frame::Event(event) = frame {
                events.push(event.to_owned());
            }
        })
        .expect("fixture streams are within the parser's limits");
    parser.finish();
    events
}

/// The `expected.json` form of one routing result.
fn outcome(routed: &Routed) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        out.insert(key.to_owned(), value);
    };
    match routed {
        Routed::Op { op, rule, dedup_id } => {
            put("rule", json!(rule));
            if let Some(dedup_id) = dedup_id {
                put("dedup_id", json!(dedup_id));
            }
            let (name, key, version) = match op {
                Op::Upsert { key, value, version } => {
                    put("value", value.clone());
                    ("upsert", Some(key), *version)
                }
                Op::Merge { key, patch, version } => {
                    put("patch", patch.clone());
                    ("merge", Some(key), *version)
                }
                Op::Delete { key, version } => ("delete", Some(key), *version),
                Op::ClearAll => ("clear_all", None, None),
                Op::Ignore => ("ignore", None, None),
                Op::Heartbeat { interval_ms } => {
                    if let Some(interval_ms) = interval_ms {
                        put("interval_ms", json!(interval_ms));
                    }
                    ("heartbeat", None, None)
                }
                Op::Resync { key } => {
                    put("key", json!(key));
                    ("resync", None, None)
                }
            };
            put("op", json!(name));
            if let Some(key) = key {
                put("kind", json!(key.kind));
                put("id", json!(key.id));
            }
            if let Some(version) = version {
                put("version", json!(version.0));
            }
        }
        Routed::Unmatched { event_type, type_value } => {
            put("unmatched", json!(event_type));
            put("type_value", json!(type_value));
        }
        Routed::Error(error) => {
            put("rule", json!(error.rule));
            put("rule_name", json!(error.rule_name));
            let name = match &error.kind {
                RouteErrorKind::MalformedJson(_) => "malformed_json",
                RouteErrorKind::MissingField { pointer } => {
                    put("pointer", json!(pointer));
                    "missing_field"
                }
                RouteErrorKind::WrongType { pointer, expected } => {
                    put("pointer", json!(pointer));
                    put("expected", json!(expected));
                    "wrong_type"
                }
                RouteErrorKind::BadVersion { pointer, .. } => {
                    put("pointer", json!(pointer));
                    "bad_version"
                }
                RouteErrorKind::TooLarge { bytes, limit } => {
                    put("bytes", json!(bytes));
                    put("limit", json!(limit));
                    "too_large"
                }
            };
            put("error", json!(name));
        }
    }
    Value::Object(out)
}

/// Routes one fixture directory and returns how many events it checked.
fn run(dir: &Path) -> usize {
    let router = Router::from_json(&read(&dir.join("rules.json")))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let events = events(read(&dir.join("events.sse")).as_bytes());
    let expected: Vec<Value> = serde_json::from_str(&read(&dir.join("expected.json")))
        .unwrap_or_else(|e| panic!("{}/expected.json: {e}", dir.display()));
    let actual: Vec<Value> =
        events.iter().map(|event| outcome(&router.route(&event.as_event_ref()))).collect();
    for (index, (actual, expected)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(
            actual,
            expected,
            "{}: event #{index} ({:?} {:?})",
            dir.display(),
            events[index].event_type,
            events[index].data
        );
    }
    assert_eq!(actual.len(), expected.len(), "{}: number of events", dir.display());
    actual.len()
}

#[test]
fn every_envelope_style_routes_as_expected() {
    for style in ["typed_envelope", "event_names", "plain_body"] {
        let checked = run(&fixtures_dir().join(style));
        assert!(checked >= 10, "{style}: only {checked} events");
    }
}

#[test]
fn every_fixture_directory_is_run() {
    let mut dirs: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures directory")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["event_names", "plain_body", "typed_envelope"]);
}

#[test]
fn every_op_kind_appears_in_the_fixtures() {
    let mut seen = std::collections::BTreeSet::new();
    for style in ["typed_envelope", "event_names", "plain_body"] {
        let expected: Vec<Value> =
            serde_json::from_str(&read(&fixtures_dir().join(style).join("expected.json")))
                .expect("expected.json");
        for entry in expected {
            for key in ["op", "error"] {
                if let Some(name) = entry.get(key).and_then(Value::as_str) {
                    seen.insert(name.to_owned());
                }
            }
            if entry.get("unmatched").is_some() {
                seen.insert("unmatched".to_owned());
            }
        }
    }
    let all = [
        "bad_version",
        "clear_all",
        "delete",
        "heartbeat",
        "ignore",
        "malformed_json",
        "merge",
        "missing_field",
        "resync",
        "too_large",
        "unmatched",
        "upsert",
        "wrong_type",
    ];
    assert_eq!(seen.iter().map(String::as_str).collect::<Vec<_>>(), all);
}

#[test]
fn the_documented_examples_load() {
    let doc = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules.md"));
    let examples: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .filter(|block| block.contains("\"rules\": [") && !block.contains("[ ... ]"))
        .collect();
    assert_eq!(examples.len(), 3, "one complete rules file per envelope style");
    for example in examples {
        if let Err(e) = Router::from_json(example) {
            panic!("{e}\n{example}");
        }
    }
}
