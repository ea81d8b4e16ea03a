//! The parser conformance table: every `tests/fixtures/parser/NAME.sse` is replayed whole, one
//! byte per feed, and at 20 seeded random splits; every replay must give the same frames and end
//! state, and that must equal `NAME.expected.json` (format: `tests/fixtures/parser/README.md`).
//! Also: one test per limit error, and a seeded fuzz test (random inputs, random splits, no panic,
//! same result as one whole feed).

use std::path::{Path, PathBuf};

use serde_json::Value;
use tether_core::{Frame, ParseError, Parser, ParserLimits};

/// Everything observable from one replay of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    /// (type, data, id) of each dispatched event, in order.
    events: Vec<(String, String, String)>,
    comments: Vec<String>,
    /// Each `Frame::Retry`, in order.
    retries: Vec<u64>,
    last_event_id: String,
    retry_ms: Option<u64>,
    error: Option<&'static str>,
}

fn error_name(error: &ParseError) -> &'static str {
    match error {
        ParseError::LineTooLong { .. } => "line_too_long",
        ParseError::EventTooLarge { .. } => "event_too_large",
    }
}

/// Feeds `input` cut at the (sorted) byte offsets `cuts`, then finishes.
fn replay(input: &[u8], limits: ParserLimits, cuts: &[usize]) -> Outcome {
    let mut parser = Parser::new(limits);
    let mut events = Vec::new();
    let mut comments = Vec::new();
    let mut retries = Vec::new();
    let mut error = None;
    let mut sink = |frame: Frame<'_>| match frame {
        Frame::Event(e) => {
            events.push((e.event_type.to_owned(), e.data.to_owned(), e.id.to_owned()))
        }
        Frame::Comment(text) => comments.push(text.to_owned()),
        Frame::Retry(ms) => retries.push(ms),
    };
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let chunk = input.get(start..cut).expect("cuts are sorted and in range");
        start = cut;
        if let Err(e) = parser.feed(chunk, &mut sink) {
            error = Some(error_name(&e));
            break;
        }
    }
    let last_event_id = parser.last_event_id().to_owned();
    let retry_ms = parser.retry_ms();
    parser.finish();
    Outcome { events, comments, retries, last_event_id, retry_ms, error }
}

/// Cut points for the whole input, for one byte per feed, and for `random` seeded random splits
/// (some with empty chunks).
fn splits(len: usize, random: usize, rng: &mut fastrand::Rng) -> Vec<(String, Vec<usize>)> {
    let mut all =
        vec![("whole".to_owned(), Vec::new()), ("bytewise".to_owned(), (1..len).collect())];
    for n in 0..random {
        let count = rng.usize(0..=len.min(48));
        let mut cuts: Vec<usize> = (0..count).map(|_| rng.usize(0..=len)).collect();
        cuts.sort_unstable();
        all.push((format!("random#{n} {cuts:?}"), cuts));
    }
    all
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/parser")
}

/// The expected outcome from an `.expected.json`, plus the limits it asks for.
fn expected(json: &Value) -> Result<(Outcome, Option<Vec<String>>, ParserLimits), String> {
    let text = |v: &Value, key: &str| -> Result<String, String> {
        v.get(key).and_then(Value::as_str).map(str::to_owned).ok_or(format!("missing {key}"))
    };
    let mut events = Vec::new();
    for e in json.get("events").and_then(Value::as_array).ok_or("missing events")? {
        events.push((text(e, "type")?, text(e, "data")?, text(e, "id")?));
    }
    let comments = match json.get("comments") {
        None => None,
        Some(list) => Some(
            list.as_array()
                .ok_or("comments is not a list")?
                .iter()
                .map(|c| c.as_str().map(str::to_owned).ok_or("comment is not a string"))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let retry_ms = match json.get("retry_ms") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or("retry_ms is not a u64")?),
    };
    let error = match json.get("error").and_then(Value::as_str) {
        None => None,
        Some("line_too_long") => Some("line_too_long"),
        Some("event_too_large") => Some("event_too_large"),
        Some(other) => return Err(format!("unknown error {other}")),
    };
    let mut limits = ParserLimits::default();
    if let Some(l) = json.get("limits") {
        let get = |key: &str| -> Result<usize, String> {
            let n = l.get(key).and_then(Value::as_u64).ok_or(format!("missing limits.{key}"))?;
            usize::try_from(n).map_err(|e| e.to_string())
        };
        limits = ParserLimits {
            max_line_bytes: get("max_line_bytes")?,
            max_event_bytes: get("max_event_bytes")?,
        };
    }
    let outcome = Outcome {
        events,
        comments: Vec::new(),
        retries: Vec::new(),
        last_event_id: text(json, "last_event_id")?,
        retry_ms,
        error,
    };
    Ok((outcome, comments, limits))
}

/// Checks one case; returns a description of what went wrong.
fn check_case(
    name: &str,
    input: &[u8],
    json: &Value,
    rng: &mut fastrand::Rng,
) -> Result<(), String> {
    let (want, want_comments, limits) = expected(json)?;
    let mut first: Option<Outcome> = None;
    for (how, cuts) in splits(input.len(), 20, rng) {
        let got = replay(input, limits, &cuts);
        match &first {
            None => {
                let comparable =
                    Outcome { comments: Vec::new(), retries: Vec::new(), ..got.clone() };
                if comparable != want {
                    return Err(format!("{name} ({how}):\n  want {want:?}\n  got  {got:?}"));
                }
                if let Some(comments) = &want_comments {
                    if &got.comments != comments {
                        return Err(format!(
                            "{name}: comments\n  want {comments:?}\n  got  {:?}",
                            got.comments
                        ));
                    }
                }
                first = Some(got);
            }
            Some(whole) if *whole != got => {
                return Err(format!(
                    "{name} ({how}) differs from whole:\n  whole {whole:?}\n  got   {got:?}"
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[test]
fn parser_conformance_table() {
    let dir = fixtures_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/parser exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".sse").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 60, "the table has only {} cases", names.len());
    let mut rng = fastrand::Rng::with_seed(0x7e7e_5e5e);
    let mut failures = Vec::new();
    for name in &names {
        let input = std::fs::read(dir.join(format!("{name}.sse"))).expect("readable fixture");
        let json_text = std::fs::read_to_string(dir.join(format!("{name}.expected.json")))
            .unwrap_or_else(|e| panic!("{name}.expected.json: {e}"));
        let json: Value = serde_json::from_str(&json_text)
            .unwrap_or_else(|e| panic!("{name}.expected.json: {e}"));
        if let Err(failure) = check_case(name, &input, &json, &mut rng) {
            failures.push(failure);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
    println!("parser table: {} cases, each replayed 22 ways", names.len());
}

#[test]
fn every_fixture_has_an_expectation() {
    for entry in std::fs::read_dir(fixtures_dir()).expect("fixture dir") {
        let name = entry.expect("entry").file_name().into_string().expect("utf-8 name");
        if let Some(stem) = name.strip_suffix(".sse") {
            assert!(fixtures_dir().join(format!("{stem}.expected.json")).exists(), "{stem}");
        }
        if let Some(stem) = name.strip_suffix(".expected.json") {
            assert!(fixtures_dir().join(format!("{stem}.sse")).exists(), "{stem}");
        }
    }
}

#[test]
fn line_too_long_is_an_error_not_a_buffer() {
    let limits = ParserLimits { max_line_bytes: 64, max_event_bytes: 1 << 20 };
    let mut parser = Parser::new(limits);
    let events = std::cell::Cell::new(0);
    let mut sink = |frame: Frame<'_>| {
        events.set(events.get() + usize::from(matches!(frame, Frame::Event(_))));
    };
    parser.feed(b"data: ok\n\ndata: ", &mut sink).expect("short lines");
    // A line that never ends: refused as soon as more than 64 bytes are pending.
    let mut result = Ok(());
    for _ in 0..100 {
        result = parser.feed(&[b'x'; 7], &mut sink);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(ParseError::LineTooLong { limit: 64 }));
    assert_eq!(events.get(), 1);
    // The error sticks until reset; after reset the parser works again.
    assert!(parser.feed(b"\n\n", &mut sink).is_err());
    parser.reset();
    parser.feed(b"data: again\n\n", &mut sink).expect("after reset");
    assert_eq!(events.get(), 2);
}

#[test]
fn event_too_large_is_an_error() {
    let limits = ParserLimits { max_line_bytes: 1024, max_event_bytes: 1000 };
    let mut parser = Parser::new(limits);
    let mut events = 0;
    let mut sink = |frame: Frame<'_>| events += usize::from(matches!(frame, Frame::Event(_)));
    let line = format!("data: {}\n", "y".repeat(99));
    let mut result = Ok(());
    for _ in 0..11 {
        result = parser.feed(line.as_bytes(), &mut sink);
        if result.is_err() {
            break;
        }
    }
    // 10 lines are 10 * 99 + 9 = 999 bytes; the 11th line would make it 1099.
    assert_eq!(result, Err(ParseError::EventTooLarge { limit: 1000 }));
    assert_eq!(events, 0);
}

/// Random inputs built from the tokens that matter to the grammar, fed at random splits, must
/// never panic and must give exactly what one whole feed gives.
#[test]
fn fuzz_random_splits_match_whole_feed() {
    const TOKENS: &[&[u8]] = &[
        b"data",
        b"event",
        b"id",
        b"retry",
        b":",
        b" ",
        b"  ",
        b"\r",
        b"\n",
        b"\r\n",
        b"x",
        b"42",
        b"\x00",
        b"\xEF\xBB\xBF",
        b"\xEF",
        b"\xEF\xBB",
        b"\xFF",
        b"\xE2\x82",
        b"\xC3\xA9",
        b"\xF0\x9F\x98\x80",
        b"\xF0\x9F",
        b"\x80",
        b"data: ",
        b"\n\n",
        b"id: 7",
        b"retry: 9",
    ];
    let mut rng = fastrand::Rng::with_seed(20_241_123);
    for round in 0..10_000 {
        let mut input = Vec::new();
        for _ in 0..rng.usize(0..40) {
            if rng.u8(..) < 16 {
                input.push(rng.u8(..));
            } else {
                input.extend_from_slice(TOKENS[rng.usize(..TOKENS.len())]);
            }
        }
        let limits = if rng.bool() {
            ParserLimits::default()
        } else {
            ParserLimits { max_line_bytes: rng.usize(0..24), max_event_bytes: rng.usize(0..24) }
        };
        let whole = replay(&input, limits, &[]);
        let count = rng.usize(0..=input.len().min(12));
        let mut cuts: Vec<usize> = (0..count).map(|_| rng.usize(0..=input.len())).collect();
        cuts.sort_unstable();
        let split = replay(&input, limits, &cuts);
        assert_eq!(whole, split, "round {round}: input {input:?} limits {limits:?} cuts {cuts:?}");
    }
}
