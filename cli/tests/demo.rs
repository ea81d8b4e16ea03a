//! `tether demo` end to end: the real binary, its embedded server, every fault, one verdict.

use std::process::Command;

#[test]
fn demo_loses_nothing_through_drop_restart_stall_and_background() {
    let output = Command::new(env!("CARGO_BIN_EXE_tether"))
        .args(["demo", "--quiet", "--passes", "3"])
        .output()
        .expect("run tether demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("demo: "))
        .unwrap_or_else(|| panic!("no verdict line in {stdout:?}"));
    assert!(output.status.success(), "{line}");
    assert!(line.contains(" lost=0 "), "{line}");
    assert!(line.contains("sent=60 received=60"), "{line}");
    let reconnects: u64 = line
        .rsplit("reconnects=")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no reconnect count in {line}"));
    // Drop, restart, watchdog and foreground each reconnect at least once.
    assert!(reconnects >= 4, "{line}");
}
