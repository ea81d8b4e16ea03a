//! Helpers for the interop tests: child processes that die with the test, free ports, bounded
//! waits, a scratch directory, the `tether tail` runner and a raw HTTP/1.1 client.

#![allow(dead_code)] // each helper is used by some tests only

use serde_json::Value;
use std::io::{BufRead, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// What to run when a dependency is missing.
pub const DEPS_HINT: &str =
    "run `scripts/interop-deps` (as root) to install nginx and the pinned Python packages";

/// The repository's `tests/interop/` folder.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop")
}

/// `python3`, or `$PYTHON`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Fails the test (never skips it) when sse-starlette or uvicorn cannot be imported.
pub fn require_python_deps() {
    let output = Command::new(python())
        .args(["-c", "import sse_starlette, uvicorn"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {DEPS_HINT}", python()));
    assert!(
        output.status.success(),
        "python modules sse_starlette/uvicorn are missing ({}); {DEPS_HINT}",
        String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or_default()
    );
}

/// The nginx binary, failing the test (never skipping it) when there is none.
pub fn require_nginx() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into(), "/usr/local/nginx/sbin".into()])
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("nginx is not installed; {DEPS_HINT}"))
}

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("tether-interop-{}-{label}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process that is killed (and reaped) when the guard drops: on success, on a failed
/// assertion, on a panic anywhere in the test.
#[derive(Debug)]
pub struct ChildGuard {
    pub name: String,
    child: Child,
    /// Where its stdout and stderr go.
    log: PathBuf,
}

impl ChildGuard {
    /// Spawns `command` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> Self {
        let file = std::fs::File::create(log).expect("create log file");
        let err = file.try_clone().expect("clone log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}; {DEPS_HINT}"));
        Self { name: name.into(), child, log: log.to_owned() }
    }

    /// Everything the child wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `addr` accepts TCP connections. A child server needs a moment to bind: this
    /// is a bounded connect-retry loop (a short sleep between tries, at most `tries` of them),
    /// not a blind sleep, and it fails at once if the child exits.
    pub fn wait_for_port(&mut self, addr: SocketAddr) {
        const TRIES: u32 = 200;
        const PAUSE: Duration = Duration::from_millis(25);
        for _ in 0..TRIES {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before listening on {addr}:\n{}",
                    self.name,
                    self.log()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(PAUSE);
        }
        panic!("{} did not listen on {addr} within {TRIES} tries:\n{}", self.name, self.log());
    }
}

impl ChildGuard {
    /// Waits (bounded: a short sleep between at most 400 looks) for a line of the child's output
    /// that `parse` accepts, failing at once if the child exits.
    pub fn wait_for_line<T>(&mut self, parse: impl Fn(&str) -> Option<T>) -> T {
        for _ in 0..400 {
            if let Some(found) = self.log().lines().find_map(&parse) {
                return found;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.log());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("{} did not print the expected line:\n{}", self.name, self.log());
    }
}

impl ChildGuard {
    /// Waits (bounded, polling) for the child to exit by itself; true if it did.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on 127.0.0.1 (the OS picks; the listener is closed before the child binds).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// sse-starlette's app (`tests/interop/starlette_app.py`) on uvicorn, on a free loopback port.
pub struct Starlette {
    pub port: u16,
    pub server: ChildGuard,
    _dir: TempDir,
}

impl Starlette {
    pub fn start() -> Self {
        require_python_deps();
        let dir = TempDir::new("uvicorn");
        let port = free_port();
        let mut command = Command::new(python());
        command
            .args(["-m", "uvicorn", "starlette_app:app", "--app-dir"])
            .arg(interop_dir())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--log-level", "warning", "--no-access-log"]);
        let mut server = ChildGuard::spawn("uvicorn", command, &dir.path().join("uvicorn.log"));
        server.wait_for_port(loopback(port));
        Self { port, server, _dir: dir }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://127.0.0.1:{}{path_and_query}", self.port)
    }
}

/// One finished `tether tail` run.
#[derive(Debug)]
pub struct TailRun {
    /// When the `tether` process was started.
    pub started: Instant,
    pub status: ExitStatus,
    pub stdout: String,
    /// When each stdout line arrived, since the start of the run.
    pub line_times: Vec<Duration>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl TailRun {
    /// The `--json` lines, parsed.
    pub fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}\n{}", self.report()))
            })
            .collect()
    }

    /// When each event line arrived, since the start of the run.
    pub fn event_times(&self) -> Vec<Duration> {
        self.lines()
            .iter()
            .zip(&self.line_times)
            .filter(|(line, _)| line["kind"] == "event")
            .map(|(_, at)| *at)
            .collect()
    }

    /// `(type, id, data)` of every event line, in order.
    pub fn events(&self) -> Vec<(String, String, String)> {
        self.of_kind("event")
            .iter()
            .map(|e| (text(e, "type"), text(e, "id"), text(e, "data")))
            .collect()
    }

    pub fn states(&self) -> Vec<Value> {
        self.of_kind("state")
    }

    pub fn of_kind(&self, kind: &str) -> Vec<Value> {
        self.lines().into_iter().filter(|line| line["kind"] == kind).collect()
    }

    /// For assertion messages.
    pub fn report(&self) -> String {
        format!(
            "status: {}\nelapsed: {:?}\n--- stdout\n{}--- stderr\n{}",
            self.status, self.elapsed, self.stdout, self.stderr
        )
    }

    pub fn assert_exit(&self, code: i32) {
        assert_eq!(self.status.code(), Some(code), "unexpected exit status\n{}", self.report());
    }
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// Runs the real `tether` binary with `args`, killing it (and failing) after `timeout`.
pub fn tether(args: &[&str], envs: &[(&str, &str)], timeout: Duration) -> TailRun {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.env_remove("RUST_LOG");
    for (key, value) in envs {
        command.env(key, value);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn tether");
    let stdout = line_reader(child.stdout.take().expect("stdout"), started);
    let stderr = reader(child.stderr.take().expect("stderr"));
    let mut guard = KillOnDrop(Some(child));
    let status = loop {
        let child = guard.0.as_mut().expect("child");
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if started.elapsed() > timeout {
            break None;
        }
        // Polling the child's exit: a bounded loop (the timeout above), not a blind sleep.
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    if status.is_none() {
        if let Some(child) = guard.0.take() {
            kill(child);
        }
    }
    let lines = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let stdout: String = lines.iter().map(|(_, line)| format!("{line}\n")).collect();
    let line_times = lines.iter().map(|(at, _)| *at).collect();
    match status {
        Some(status) => TailRun { started, status, stdout, line_times, stderr, elapsed },
        None => panic!(
            "`tether {}` did not exit within {timeout:?}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            args.join(" ")
        ),
    }
}

/// `tether tail <args…>`.
pub fn tail(args: &[&str], timeout: Duration) -> TailRun {
    let mut all = vec!["tail"];
    all.extend_from_slice(args);
    tether(&all, &[], timeout)
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Reads lines as they come, noting when each arrived.
fn line_reader(
    pipe: impl Read + Send + 'static,
    started: Instant,
) -> std::thread::JoinHandle<Vec<(Duration, String)>> {
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut reader = std::io::BufReader::new(pipe);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let text = String::from_utf8_lossy(&line).trim_end_matches('\n').to_owned();
            lines.push((started.elapsed(), text));
            line.clear();
        }
        lines
    })
}

struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            kill(child);
        }
    }
}

fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A raw HTTP/1.1 GET (a client with no HTTP library in between, so nothing is decoded for us).
/// Reads until the server closes, `done(head, body)` says enough, or `timeout` passes. Returns
/// the status line and headers as text and the body bytes exactly as sent (still chunk-framed).
pub fn raw_get(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
    done: impl Fn(&str, &[u8]) -> bool,
) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect_timeout(&loopback(port), timeout).expect("connect");
    stream.set_read_timeout(Some(Duration::from_millis(100))).expect("read timeout");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut response = Vec::new();
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 8192];
    let split = |response: &[u8]| response.windows(4).position(|w| w == b"\r\n\r\n");
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("reading the response: {e} (after {} bytes)", response.len()),
        }
        if let Some(at) = split(&response) {
            if done(&String::from_utf8_lossy(&response[..at]), &response[at + 4..]) {
                break;
            }
        }
    }
    let at = split(&response)
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&response)));
    (String::from_utf8_lossy(&response[..at]).into_owned(), response[at + 4..].to_vec())
}

/// The value of header `name` in a response head (case-insensitive), if present.
pub fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Removes HTTP/1.1 chunked framing from as many whole chunks as `body` holds.
pub fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else { break };
        let rest = &body[line_end + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        body = rest.get(size + 2..).unwrap_or_default();
    }
    out
}

/// Decompresses a gzip member.
pub fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("valid gzip");
    text
}

/// `tether serve` (the testkit server) playing a scenario, on a free loopback port.
pub struct TetherServe {
    pub port: u16,
    /// When the process was started: its scenario's clock starts about then.
    pub started: Instant,
    pub server: ChildGuard,
    _dir: TempDir,
}

impl TetherServe {
    /// Starts `tether serve --port 0 --scenario <file with scenario_json>` and reads the port it
    /// bound from the URL it prints first (no window in which another process could take it).
    pub fn start(scenario_json: &str) -> Self {
        let started = Instant::now();
        let dir = TempDir::new("serve");
        let scenario = dir.path().join("scenario.json");
        std::fs::write(&scenario, scenario_json).expect("write scenario");
        let mut command = Command::new(env!("CARGO_BIN_EXE_tether"));
        command.args(["serve", "--port", "0", "--scenario"]).arg(&scenario);
        let mut server = ChildGuard::spawn("tether serve", command, &dir.path().join("serve.log"));
        let port = server.wait_for_line(|line| {
            let rest = line.strip_prefix("http://127.0.0.1:")?;
            rest.split('/').next()?.parse::<u16>().ok()
        });
        server.wait_for_port(loopback(port));
        Self { port, started, server, _dir: dir }
    }

    /// Fails clearly when `run` started so late that the scenario's first step (`lead` after
    /// start) may have happened before the client connected: timing assertions would then be
    /// about the replay, not about the proxy.
    pub fn assert_client_was_early(&self, run: &TailRun, lead: Duration) {
        let late = run.started.saturating_duration_since(self.started);
        assert!(
            late + Duration::from_millis(500) < lead,
            "the machine is too slow for this test: `tether tail` started {late:?} after \
             `tether serve`, the scenario's first step is at {lead:?}\n{}",
            run.report()
        );
    }
}

/// Which nginx configuration to generate from `tests/interop/nginx.conf.template`.
#[derive(Debug, Clone, Copy)]
pub struct NginxVariant {
    /// `listen … http2`: cleartext HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1.
    pub http2: bool,
    pub proxy_buffering: bool,
    pub gzip: bool,
}

/// nginx in the foreground with a generated config and every path in a temp dir. Stopped with
/// `nginx -s stop` on drop: killing only the master (SIGKILL) would orphan its worker, which
/// keeps the port.
pub struct Nginx {
    pub port: u16,
    pub server: ChildGuard,
    pub config: String,
    binary: PathBuf,
    dir: TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let conf = self.dir.path().join("nginx.conf");
        let _ = Command::new(&self.binary)
            .arg("-p")
            .arg(self.dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(self.dir.path().join("error.log"))
            .args(["-s", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // The master stops its worker, then exits; the guard kills it if it did not in time.
        self.server.wait_exit(Duration::from_secs(5));
    }
}

impl Nginx {
    pub fn start(upstream_port: u16, variant: NginxVariant) -> Self {
        let binary = require_nginx();
        let dir = TempDir::new("nginx");
        std::fs::create_dir_all(dir.path().join("temp")).expect("temp dir");
        let port = free_port();
        let template = std::fs::read_to_string(interop_dir().join("nginx.conf.template"))
            .expect("read tests/interop/nginx.conf.template");
        let on_off = |on: bool| if on { "on" } else { "off" };
        let listen = format!("127.0.0.1:{port}{}", if variant.http2 { " http2" } else { "" });
        let config = template
            .replace("@PREFIX@", &dir.path().display().to_string())
            .replace("@LISTEN@", &listen)
            .replace("@UPSTREAM_PORT@", &upstream_port.to_string())
            .replace("@PROXY_BUFFERING@", on_off(variant.proxy_buffering))
            .replace("@GZIP@", on_off(variant.gzip));
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, &config).expect("write nginx.conf");
        let mut command = Command::new(&binary);
        command
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .args(["-g", "daemon off;"]);
        let server = ChildGuard::spawn("nginx", command, &dir.path().join("nginx.out"));
        // Built before waiting, so even a failed start is stopped the graceful way.
        let mut nginx = Self { port, server, config, binary, dir };
        nginx.server.wait_for_port(loopback(port));
        nginx
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The access log (format `sse` in the template), one line per finished request.
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// Waits (bounded) until the access log has at least `lines` lines: nginx writes a line
    /// when a request finishes, which can be a moment after the client went away.
    pub fn wait_access_log(&self, lines: usize) -> String {
        for _ in 0..200 {
            let log = self.access_log();
            if log.lines().count() >= lines {
                return log;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("nginx access log has fewer than {lines} lines:\n{}", self.access_log());
    }
}

/// Decompresses as much of a gzip stream as is there (a live stream has no end yet).
pub fn gunzip_partial(bytes: &[u8]) -> String {
    let mut decoder = flate2::read::GzDecoder::new(bytes);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = decoder.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}
