//! Runs Node scripts: those of `tests/interop/` (stock `@automerge/automerge-repo` clients) and
//! the web app's conformance runner (`web/conformance/`). Each takes its arguments on the command
//! line, prints one JSON value on stdout and exits non-zero on failure. A script that outlives
//! its time limit is killed, so no test hangs on it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a script may run before it is killed (each script also has its own, shorter limit).
pub const SCRIPT_LIMIT: Duration = Duration::from_secs(60);

/// The Node project of the interop scripts.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// The web app's Node project (its `node_modules` come from `npm ci` in `web/`).
pub fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web")
}

/// Panics with what to do when the web app's dependencies are not installed.
pub fn require_web_modules() {
    let modules = web_dir().join("node_modules");
    assert!(
        modules.is_dir(),
        "{} is missing: run ./run-tests (it runs `npm ci` in web/)",
        modules.display()
    );
}

/// True when the JS interop tests should run: `CLUBSYNC_SKIP_JS=1` skips them. Panics with what
/// to do when the scripts' dependencies are not installed, so a missing install fails loudly
/// instead of passing as a skipped test.
pub fn js_enabled() -> bool {
    if std::env::var("CLUBSYNC_SKIP_JS").is_ok_and(|v| v == "1") {
        eprintln!("CLUBSYNC_SKIP_JS=1: skipping a JS interop test");
        return false;
    }
    let modules = interop_dir().join("node_modules");
    assert!(
        modules.is_dir(),
        "{} is missing: run ./run-tests (it runs `npm ci` in tests/interop), \
         or set CLUBSYNC_SKIP_JS=1 to skip the JS interop tests",
        modules.display()
    );
    true
}

/// What a script did.
#[derive(Debug)]
pub struct ScriptRun {
    /// True when it exited with status 0.
    pub success: bool,
    /// The JSON it printed on stdout (`Null` when it printed none).
    pub json: serde_json::Value,
    /// Its stdout and stderr, for failure messages.
    pub output: String,
}

/// Runs `node <script> <args>` in `tests/interop/` and waits for it, at most [`SCRIPT_LIMIT`].
pub fn run(script: &str, args: &[&str]) -> ScriptRun {
    run_in(&interop_dir(), script, args)
}

/// Runs `node <script> <args>` in `dir` and waits for it, at most [`SCRIPT_LIMIT`].
pub fn run_in(dir: &Path, script: &str, args: &[&str]) -> ScriptRun {
    let mut child = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`node` runs (Node 20 or later must be on PATH)");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the script can be waited for") {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let json = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or(serde_json::Value::Null);
    let output = format!(
        "node {script} {}: {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        args.join(" "),
        match status {
            Some(s) => s.to_string(),
            None => format!("killed after {SCRIPT_LIMIT:?}"),
        },
    );
    ScriptRun {
        success: status.is_some_and(|s| s.success()),
        json,
        output,
    }
}

/// Runs a script that must succeed and returns its JSON; panics with its output otherwise.
pub fn run_ok(script: &str, args: &[&str]) -> serde_json::Value {
    let run = run(script, args);
    assert!(run.success, "{}", run.output);
    run.json
}
