//! Runs the browser scripts of `tests/web/`: Node scripts that drive the phone app (`web/`,
//! served by the server under `/app/`) in Debian's headless Chromium through playwright-core.
//!
//! A script prints JSON lines on stdout: `{"checkpoint": NAME, ...}` when it waits for the test
//! (which looks at the server or acts with the CLI, then answers on the script's stdin), and a
//! last `{"ok": true, ...}` or `{"ok": false, "step", "error", "phones"}`. A failure is told as
//! the user would have seen it: per phone the screen shown, the sync indicator, a screenshot and
//! the page's console errors. A script that outlives its limit is killed, so no test hangs.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a script may run before it is killed (each script also has its own, shorter limit).
pub const SCRIPT_LIMIT: Duration = Duration::from_secs(300);

/// The repository's root.
pub fn repo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the repository")
        .to_owned()
}

/// The Node project of the browser scripts (`tests/web`).
pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// The built web app the server serves (`web/dist`, made by `npm run build` in `web/`).
pub fn app_dist() -> PathBuf {
    repo_dir().join("web").join("dist")
}

/// Where the screenshots of the app's screens go (`docs/screens`).
pub fn screens_dir() -> PathBuf {
    repo_dir().join("docs").join("screens")
}

/// The Chromium the scripts drive: `CLUBSYNC_CHROMIUM`, or Debian's `/usr/bin/chromium`.
pub fn chromium() -> PathBuf {
    std::env::var_os("CLUBSYNC_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// True when the browser tests should run: `CLUBSYNC_SKIP_BROWSER=1` (or `CLUBSYNC_SKIP_JS=1`)
/// skips them. Panics with what to do when Chromium, the scripts' dependencies or the built app
/// are missing, so a missing install fails loudly instead of passing as a skipped test.
pub fn browser_enabled() -> bool {
    for knob in ["CLUBSYNC_SKIP_BROWSER", "CLUBSYNC_SKIP_JS"] {
        if std::env::var(knob).is_ok_and(|v| v == "1") {
            eprintln!("{knob}=1: skipping a browser test");
            return false;
        }
    }
    let chromium = chromium();
    assert!(
        chromium.is_file(),
        "{} is missing: the web app tests drive Debian's Chromium (`apt-get install chromium`; \
         .ci/run installs it), or set CLUBSYNC_CHROMIUM to another Chromium, or \
         CLUBSYNC_SKIP_BROWSER=1 to skip the browser tests",
        chromium.display()
    );
    let driver = scripts_dir().join("node_modules").join("playwright-core");
    assert!(
        driver.is_dir(),
        "{} is missing: run ./run-tests (it runs `npm ci` in tests/web), or set \
         CLUBSYNC_SKIP_BROWSER=1 to skip the browser tests",
        driver.display()
    );
    let index = app_dist().join("index.html");
    assert!(
        index.is_file(),
        "{} is missing: build the app with `(cd web && npm ci && npm run build)` \
         (./run-tests does), or set CLUBSYNC_SKIP_BROWSER=1 to skip the browser tests",
        index.display()
    );
    true
}

/// A running browser script.
pub struct BrowserScript {
    script: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    deadline: Instant,
}

impl BrowserScript {
    /// Starts `node <script> <args> --fail-dir <fail_dir>` in `tests/web/`; `fail_dir` receives
    /// a screenshot of each phone if the script fails.
    pub fn start(script: &str, args: &[&str], fail_dir: &Path) -> Self {
        let _ = std::fs::remove_dir_all(fail_dir);
        let mut child = Command::new("node")
            .arg(script)
            .args(args)
            .arg("--fail-dir")
            .arg(fail_dir)
            .current_dir(scripts_dir())
            .env("CLUBSYNC_CHROMIUM", chromium())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("`node` runs (Node 20 or later must be on PATH)");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = channel();
        let out = Arc::new(Mutex::new(String::new()));
        let err = Arc::new(Mutex::new(String::new()));
        let log = Arc::clone(&out);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut log) = log.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let log = Arc::clone(&err);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut log) = log.lock() {
                    log.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Self {
            script: script.to_owned(),
            stdin: child.stdin.take(),
            child,
            lines,
            stdout: out,
            stderr: err,
            deadline: Instant::now() + SCRIPT_LIMIT,
        }
    }

    /// Waits for the script to reach checkpoint `name` and returns what it printed there.
    /// Panics with what the user saw when the script fails or ends first.
    pub fn checkpoint(&mut self, name: &str) -> Value {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let Ok(json) = serde_json::from_str::<Value>(&line) else {
                        continue;
                    };
                    if json["checkpoint"] == name {
                        return json;
                    }
                    if json.get("ok").is_some() {
                        panic!(
                            "{} ended before checkpoint {name:?}:\n{}",
                            self.script,
                            self.describe(&json)
                        );
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.child.wait();
                    panic!(
                        "{} ended before checkpoint {name:?}\n{}",
                        self.script,
                        self.output()
                    );
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "{} did not reach checkpoint {name:?} within {SCRIPT_LIMIT:?}: killed\n{}",
                        self.script,
                        self.output()
                    );
                }
            }
        }
    }

    /// Lets the script go on from a checkpoint, telling it `answer` (a JSON object, or `Null`).
    pub fn resume(&mut self, answer: Value) {
        let line = match answer {
            Value::Object(mut fields) => {
                fields.insert("continue".into(), Value::Bool(true));
                Value::Object(fields).to_string()
            }
            _ => "continue".to_owned(),
        };
        let stdin = self.stdin.as_mut().expect("the script's stdin is open");
        if let Err(e) = writeln!(stdin, "{line}").and_then(|()| stdin.flush()) {
            eprintln!("{}: could not answer the checkpoint: {e}", self.script);
        }
    }

    /// Waits for the script to end and returns its result; panics with what the user saw when
    /// it failed.
    pub fn finish(mut self) -> Value {
        drop(self.stdin.take());
        let mut result = Value::Null;
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Ok(json) = serde_json::from_str::<Value>(&line)
                        && json.get("ok").is_some()
                    {
                        result = json;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "{} ran past {SCRIPT_LIMIT:?}: killed\n{}",
                        self.script,
                        self.output()
                    );
                }
            }
        }
        let status = self.child.wait().expect("the script can be waited for");
        if result["ok"] != true || !status.success() {
            panic!(
                "{} failed ({status}):\n{}",
                self.script,
                self.describe(&result)
            );
        }
        result
    }

    /// A failed result as the user would have seen it, then the script's whole output.
    fn describe(&self, result: &Value) -> String {
        format!("{}\n{}", describe_failure(result), self.output())
    }

    fn output(&self) -> String {
        // Give the readers a moment to take the last bytes of a process that just ended.
        std::thread::sleep(Duration::from_millis(50));
        let out = self.stdout.lock().map(|s| s.clone()).unwrap_or_default();
        let err = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        format!("--- stdout of {}\n{out}--- stderr\n{err}", self.script)
    }
}

impl Drop for BrowserScript {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `{"ok": false, ...}` told as the user saw it: the step, the error, and per phone the screen,
/// the sync indicator, the screenshot and the console errors.
pub fn describe_failure(result: &Value) -> String {
    if result.is_null() {
        return "the script printed no result".to_owned();
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "?".to_owned(),
        other => other.to_string(),
    };
    let mut out = format!(
        "the browser failed at step {:?}:\n  {}\n",
        text(&result["step"]),
        text(&result["error"]).replace('\n', "\n  ")
    );
    for phone in result["phones"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "phone {}: showing {}, sync-status data-state={}, pending-count={}, at {}\n  screenshot: {}\n",
            text(&phone["name"]),
            text(&phone["screen"]),
            text(&phone["syncState"]),
            text(&phone["pending"]),
            text(&phone["url"]),
            text(&phone["screenshot"]),
        ));
        if let Some(note) = phone["note"].as_str() {
            out.push_str(&format!("  note: {note}\n"));
        }
        let console: Vec<String> = phone["console"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        if console.is_empty() {
            out.push_str("  console: no errors or warnings\n");
        } else {
            out.push_str("  console:\n");
            for line in console {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    for note in result["notes"].as_array().into_iter().flatten() {
        out.push_str(&format!("note: {}\n", text(note)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::describe_failure;

    #[test]
    fn a_failure_is_told_as_the_user_saw_it() {
        let result = serde_json::json!({
            "ok": false,
            "step": "lee: donate 2.00 (preset) as donation 7",
            "error": "waited 30000 ms for donation-count 7",
            "phones": [{
                "name": "lee",
                "screen": "screen-collection",
                "syncState": "offline",
                "pending": "6",
                "url": "http://127.0.0.1:1/app/#/collection/X",
                "screenshot": "/tmp/lee.png",
                "console": ["error: boom"],
            }],
            "notes": ["screen-petition has no visible back-home button"],
        });
        let text = describe_failure(&result);
        for part in [
            "step \"lee: donate 2.00 (preset) as donation 7\"",
            "waited 30000 ms for donation-count 7",
            "phone lee: showing screen-collection, sync-status data-state=offline, pending-count=6",
            "screenshot: /tmp/lee.png",
            "    error: boom",
            "note: screen-petition has no visible back-home button",
        ] {
            assert!(text.contains(part), "{part:?} missing from:\n{text}");
        }
        assert_eq!(
            describe_failure(&serde_json::Value::Null),
            "the script printed no result"
        );
    }
}
