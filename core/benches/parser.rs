//! Parser throughput: Tether's parser against `eventsource-stream` 0.2.3 on the same bytes, fed in
//! the same read-sized chunks. A plain program (`harness = false`): it prints a Markdown table
//! (median of 5 runs per cell) and exits non-zero if the parsers disagree on the event count.
//!
//! Run with `scripts/bench-parser` (= `cargo bench -p tether-core --bench parser`).
//! `TETHER_BENCH_RUNS=N` changes the number of runs per cell.

use std::hint::black_box;
use std::pin::pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use tether_core::{Frame, Parser, ParserLimits};

/// One in-memory stream to parse.
struct Corpus {
    name: &'static str,
    bytes: Bytes,
    events: usize,
}

/// 200,000 typed-envelope events of about 200 bytes each, ids and types on every event.
fn typed_envelopes() -> Corpus {
    let count = 200_000;
    let mut text = String::with_capacity(count * 200);
    for i in 0..count {
        let status = ["active", "paused", "ended"][i % 3];
        text.push_str(&format!(
            "id: {i}\nevent: session.updated\ndata: {{\"id\":\"evt_{i}\",\"type\":\"session.updated\",\
             \"timestamp\":{},\"data\":{{\"sessionId\":\"s_{}\",\"updates\":{{\"duration\":{},\
             \"status\":\"{status}\"}}}}}}\n\n",
            1_732_363_200_000u64 + i as u64,
            i % 977,
            i % 3600,
        ));
    }
    Corpus { name: "typed ~200 B", bytes: Bytes::from(text), events: count }
}

/// 2,000 events whose data is one 64 KiB line of JSON-ish text.
fn large_events() -> Corpus {
    let count = 2_000;
    let alphabet =
        b"{\"key\":\"value\",\"n\":12345,\"list\":[1,2,3],\"text\":\"lorem ipsum dolor\"}";
    let data: Vec<u8> = alphabet.iter().copied().cycle().take(64 * 1024).collect();
    let mut bytes = Vec::with_capacity(count * (data.len() + 8));
    for _ in 0..count {
        bytes.extend_from_slice(b"data: ");
        bytes.extend_from_slice(&data);
        bytes.extend_from_slice(b"\n\n");
    }
    Corpus { name: "64 KiB data", bytes: Bytes::from(bytes), events: count }
}

/// Tether, borrowed frames: count events, touch their data.
fn tether_borrowed(corpus: &Corpus, read: usize) -> usize {
    let mut parser = Parser::new(ParserLimits::default());
    let mut events = 0usize;
    let mut sink = |frame: Frame<'_>| {
        if let Frame::Event(event) = frame {
            black_box(event);
            events += 1;
        }
    };
    for chunk in corpus.bytes.chunks(read) {
        if let Err(e) = parser.feed(chunk, &mut sink) {
            eprintln!("tether: {e}");
            return 0;
        }
    }
    parser.finish();
    events
}

/// Tether, owned events: each dispatched event copied out with `to_owned()`.
fn tether_owned(corpus: &Corpus, read: usize) -> usize {
    let mut parser = Parser::new(ParserLimits::default());
    let mut events = 0usize;
    let mut sink = |frame: Frame<'_>| {
        if let Frame::Event(event) = frame {
            black_box(event.to_owned());
            events += 1;
        }
    };
    for chunk in corpus.bytes.chunks(read) {
        if let Err(e) = parser.feed(chunk, &mut sink) {
            eprintln!("tether: {e}");
            return 0;
        }
    }
    parser.finish();
    events
}

/// `eventsource-stream` 0.2.3 over a `futures` stream of the same chunks, drained on the
/// current thread.
fn peer(chunks: &[Bytes]) -> usize {
    let source =
        futures_util::stream::iter(chunks.iter().cloned().map(Ok::<Bytes, std::io::Error>));
    let mut events = pin!(source.eventsource());
    futures_executor::block_on(async {
        let mut count = 0usize;
        while let Some(item) = events.next().await {
            match item {
                Ok(event) => {
                    black_box(event);
                    count += 1;
                }
                Err(e) => {
                    eprintln!("eventsource-stream: {e}");
                    return 0;
                }
            }
        }
        count
    })
}

/// Median time of `runs` runs of `f`, and the event count of the last run.
fn measure(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut events = 0;
    for _ in 0..runs {
        let start = Instant::now();
        events = f();
        times.push(start.elapsed());
    }
    times.sort_unstable();
    (times[times.len() / 2], events)
}

fn main() -> ExitCode {
    let runs = std::env::var("TETHER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("Parser throughput, median of {runs} runs, {cores} cores; MB = 10^6 bytes.\n");
    println!("| corpus | read size | parser | MB/s | M events/s | Tether / peer |");
    println!("| --- | --- | --- | ---: | ---: | ---: |");
    let mut ok = true;
    for corpus in [typed_envelopes(), large_events()] {
        for read in [16 * 1024, 256 * 1024] {
            let chunks: Vec<Bytes> = (0..corpus.bytes.len())
                .step_by(read)
                .map(|start| corpus.bytes.slice(start..(start + read).min(corpus.bytes.len())))
                .collect();
            let (peer_time, peer_events) = measure(runs, || peer(&chunks));
            let (borrowed_time, borrowed_events) = measure(runs, || tether_borrowed(&corpus, read));
            let (owned_time, owned_events) = measure(runs, || tether_owned(&corpus, read));
            for (parser, events) in [
                ("eventsource-stream", peer_events),
                ("tether borrowed", borrowed_events),
                ("tether owned", owned_events),
            ] {
                if events != corpus.events {
                    eprintln!(
                        "{parser} saw {events} events in {} (expected {})",
                        corpus.name, corpus.events
                    );
                    ok = false;
                }
            }
            let mb = corpus.bytes.len() as f64 / 1e6;
            let rows = [
                ("eventsource-stream 0.2.3", peer_time),
                ("tether (borrowed `Frame`)", borrowed_time),
                ("tether (owned `Event`)", owned_time),
            ];
            for (parser, time) in rows {
                let secs = time.as_secs_f64().max(1e-9);
                let ratio = peer_time.as_secs_f64() / secs;
                println!(
                    "| {} | {} KiB | {parser} | {:.0} | {:.2} | {:.1}× |",
                    corpus.name,
                    read / 1024,
                    mb / secs,
                    corpus.events as f64 / secs / 1e6,
                    ratio
                );
            }
        }
    }
    if ok {
        println!("\nevent counts: all parsers agree");
        ExitCode::SUCCESS
    } else {
        println!("\nevent counts: MISMATCH");
        ExitCode::FAILURE
    }
}
