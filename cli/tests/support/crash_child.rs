//! A `tether sync` child process for the crash test: its stdout read line by line as it comes
//! (every wait bounded), its stderr collected, SIGKILL on demand and on drop.

use std::io::{BufRead, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One `progress applied_total=N applied=N duplicates=N stale=N` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub applied_total: u64,
    pub applied: u64,
    pub duplicates: u64,
    pub stale: u64,
}

impl Progress {
    pub fn parse(line: &str) -> Option<Progress> {
        let mut fields = line.strip_prefix("progress ")?.split(' ');
        let mut next = |name: &str| -> Option<u64> {
            fields.next()?.strip_prefix(name)?.strip_prefix('=')?.parse().ok()
        };
        Some(Progress {
            applied_total: next("applied_total")?,
            applied: next("applied")?,
            duplicates: next("duplicates")?,
            stale: next("stale")?,
        })
    }
}

/// A running `tether sync`.
pub struct SyncChild {
    child: Option<Child>,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
    /// Every stdout line read so far, for failure messages.
    pub seen: Vec<String>,
}

/// What a child left behind.
#[derive(Debug)]
pub struct Ended {
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    pub stderr: String,
}

impl SyncChild {
    pub fn spawn(args: &[&str]) -> SyncChild {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
        command.arg("sync").args(args);
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        command.env_remove("RUST_LOG");
        let mut child = command.spawn().expect("spawn tether sync");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let reader = std::io::BufReader::new(stdout);
            for line in reader.lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        SyncChild { child: Some(child), lines, stderr: Some(stderr), seen: Vec::new() }
    }

    /// The next stdout line; `None` at end of output. Panics after `limit` without one.
    pub fn next_line(&mut self, limit: Duration) -> Option<String> {
        match self.lines.recv_timeout(limit) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => {
                let ended = self.kill();
                panic!(
                    "no line from `tether sync` within {limit:?}\n--- stdout\n{}\n--- stderr\n{}",
                    ended.stdout.join("\n"),
                    ended.stderr
                );
            }
        }
    }

    /// The next progress line. Panics if the output ends first or nothing comes within `limit`.
    pub fn next_progress(&mut self, limit: Duration) -> Progress {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Some(line) => {
                    if let Some(progress) = Progress::parse(&line) {
                        return progress;
                    }
                }
                None => {
                    let ended = self.wait_exit(limit);
                    panic!(
                        "`tether sync` stopped before the next progress line ({})\n--- stdout\n{}\n--- stderr\n{}",
                        ended.status,
                        ended.stdout.join("\n"),
                        ended.stderr
                    );
                }
            }
        }
    }

    /// SIGKILL (`Child::kill` on Unix), then reaps it.
    pub fn kill(&mut self) -> Ended {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        self.wait_exit(Duration::from_secs(10))
    }

    /// Reads the rest of stdout and waits for the exit (killing the child after `limit`).
    pub fn wait_exit(&mut self, limit: Duration) -> Ended {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(child) = self.child.as_mut() {
                        let _ = child.kill();
                    }
                    // Stdout closes once the killed process is gone.
                    while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
                        self.seen.push(line);
                    }
                    break;
                }
            }
        }
        // Stdout is closed: the process has exited or is exiting.
        let status = self.child.take().expect("child not reaped yet").wait().expect("wait");
        let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default();
        Ended { status, stdout: std::mem::take(&mut self.seen), stderr }
    }
}

impl Drop for SyncChild {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
