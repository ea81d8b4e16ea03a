//! `tether demo` end to end: the real binary, its embedded server, every fault, two verdicts.

use std::process::Command;

fn field(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {line}"))
}

#[test]
fn demo_loses_nothing_and_the_cache_matches_the_server() {
    let output = Command::new(env!("CARGO_BIN_EXE_tether"))
        .args(["demo", "--quiet"])
        .output()
        .expect("run tether demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdicts: Vec<&str> = stdout.lines().filter(|l| l.starts_with("demo: ")).collect();
    assert_eq!(verdicts.len(), 2, "{stdout}");
    assert!(output.status.success(), "{stdout}");
    let (transport, cache) = (verdicts[0], verdicts[1]);
    let sent = field(transport, "sent");
    assert!(sent >= 60, "{transport}");
    assert_eq!(field(transport, "received"), sent, "{transport}");
    assert_eq!(field(transport, "lost"), 0, "{transport}");
    // Drop, restart, watchdog, foreground and the relaunch each reconnect at least once.
    assert!(field(transport, "reconnects") >= 5, "{transport}");
    assert_eq!(field(cache, "applied"), sent, "{cache}");
    assert_eq!(field(cache, "lost"), 0, "{cache}");
    assert!(field(cache, "duplicates_dropped") >= 1, "{cache}");
    assert_eq!(field(cache, "stale_dropped"), 2, "{cache}");
    assert!(cache.ends_with("store_matches_server=yes"), "{cache}");
}
