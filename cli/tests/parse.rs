//! `tether parse` end to end: the built binary, bytes on stdin, JSON lines on stdout, at several
//! chunk sizes (every chunk size must print the same thing).

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `tether parse ARGS` with `input` on stdin; returns (stdout, exit code).
fn tether_parse(input: &[u8], args: &[&str]) -> (String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tether"))
        .arg("parse")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the tether binary");
    child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
    let output = child.wait_with_output().expect("tether exits");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    (stdout, output.status.code().expect("exit code"))
}

/// The same input at chunk sizes all-at-once, 1 and 7 must give `expected` and `code`.
fn check_all_chunk_sizes(input: &[u8], limits: &[&str], expected: &str, code: i32) {
    for chunk in [None, Some("1"), Some("7")] {
        let mut args = limits.to_vec();
        if let Some(size) = chunk {
            args.extend(["--chunk-size", size]);
        }
        assert_eq!(tether_parse(input, &args), (expected.to_owned(), code), "chunk size {chunk:?}");
    }
}

#[test]
fn events_then_end_line() {
    let input =
        b"\xEF\xBB\xBF: hello\r\nid: 7\r\nevent: greet\r\ndata: hi \"you\"\r\ndata:\tx\r\n\r\n\
                  retry: 1500\ndata\n\nid: 8\n\ndata: unfinished\n";
    let expected = concat!(
        "{\"type\": \"greet\", \"data\": \"hi \\\"you\\\"\\n\\tx\", \"id\": \"7\"}\n",
        "{\"type\": \"message\", \"data\": \"\", \"id\": \"7\"}\n",
        "{\"end\": true, \"last_event_id\": \"8\", \"retry_ms\": 1500}\n",
    );
    check_all_chunk_sizes(input, &[], expected, 0);
}

#[test]
fn empty_input_prints_only_the_end_line() {
    check_all_chunk_sizes(
        b"",
        &[],
        "{\"end\": true, \"last_event_id\": \"\", \"retry_ms\": null}\n",
        0,
    );
}

#[test]
fn split_crlf_and_multibyte_characters() {
    // At chunk size 1 and 7 the CRLFs and the 4-byte emoji are split across feeds.
    let input = "data: a😀b\r\ndata: é\r\n\r\ndata: c\r\r".as_bytes();
    let expected = concat!(
        "{\"type\": \"message\", \"data\": \"a😀b\\né\", \"id\": \"\"}\n",
        "{\"type\": \"message\", \"data\": \"c\", \"id\": \"\"}\n",
        "{\"end\": true, \"last_event_id\": \"\", \"retry_ms\": null}\n",
    );
    check_all_chunk_sizes(input, &[], expected, 0);
}

#[test]
fn invalid_utf8_and_nul_are_escaped() {
    let input = b"data: a\xFFb\x00c\n\n";
    let expected = concat!(
        "{\"type\": \"message\", \"data\": \"a\u{FFFD}b\\u0000c\", \"id\": \"\"}\n",
        "{\"end\": true, \"last_event_id\": \"\", \"retry_ms\": null}\n",
    );
    check_all_chunk_sizes(input, &[], expected, 0);
}

#[test]
fn line_too_long_prints_an_error_and_exits_2() {
    let expected = concat!(
        "{\"type\": \"message\", \"data\": \"ok\", \"id\": \"\"}\n",
        "{\"error\": \"line_too_long\", \"message\": \"line longer than the limit of 10 bytes\"}\n",
    );
    check_all_chunk_sizes(
        b"data: ok\n\ndata: 0123456789\n\n",
        &["--max-line-bytes", "10"],
        expected,
        2,
    );
}

#[test]
fn event_too_large_prints_an_error_and_exits_2() {
    let expected = concat!(
        "{\"type\": \"message\", \"data\": \"ok\", \"id\": \"\"}\n",
        "{\"error\": \"event_too_large\", \"message\": \"event larger than the limit of 5 bytes\"}\n",
    );
    let input = b"data: ok\n\ndata: 123\ndata: 45\n\n";
    check_all_chunk_sizes(input, &["--max-event-bytes", "5"], expected, 2);
}

#[test]
fn fixture_table_sample_through_the_cli() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/parser");
    let input = std::fs::read(dir.join("wpt_field_parsing.sse")).expect("fixture");
    let expected = concat!(
        "{\"type\": \"message\", \"data\": \"\\u0000\\n 2\\n1\\n3\\n\\n4\", \"id\": \"\"}\n",
        "{\"end\": true, \"last_event_id\": \"\", \"retry_ms\": null}\n",
    );
    check_all_chunk_sizes(&input, &[], expected, 0);
}

#[test]
fn chunk_size_zero_is_refused() {
    let (stdout, code) = tether_parse(b"data: x\n\n", &["--chunk-size", "0"]);
    assert_eq!((stdout.as_str(), code), ("", 2), "clap usage error");
}
