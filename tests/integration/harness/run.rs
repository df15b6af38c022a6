//! Running the real `mailferry` binary the way a user or script does, with a time limit so a
//! hang fails the test instead of stalling CI.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::mailferry_bin;

/// A command must finish well within this.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

/// For runs that add nothing to the environment.
pub const NO_ENV: &[(&str, &str)] = &[];

/// What one run printed and how it ended.
pub struct Outcome {
    /// Exit status; -1 when killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The command line, for assertion messages.
    pub what: String,
    /// The process's peak resident memory (VmHWM) as last seen, in KiB.
    pub peak_memory_kb: u64,
}

impl Outcome {
    /// For assertion messages.
    pub fn context(&self) -> String {
        format!(
            "{}\nexit status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what, self.code, self.stdout, self.stderr
        )
    }

    /// The one JSON object `--json` prints on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not exactly one JSON object ({e}):\n{}",
                self.context()
            )
        })
    }

    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code,
            code,
            "expected exit status {code}:\n{}",
            self.context()
        );
    }
}

/// Runs `mailferry` with `args`, the given environment added, stdin not a terminal.
pub fn mailferry<K: AsRef<str>, V: AsRef<str>>(args: &[String], env: &[(K, V)]) -> Outcome {
    let what = format!("mailferry {}", args.join(" "));
    let mut child = Command::new(mailferry_bin())
        .args(args)
        .env("MAILFERRY_DNS_SERVER", super::dns::NO_DNS)
        .envs(env.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
        .env_remove("MAILFERRY_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", mailferry_bin().display()));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    // Read both pipes while waiting, so a chatty child never blocks on a full pipe.
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + RUN_LIMIT;
    let mut peak_memory_kb = 0;
    let status = loop {
        peak_memory_kb = peak_memory_kb.max(high_water_mark_kb(child.id()).unwrap_or(0));
        if let Some(status) = child.try_wait().expect("poll mailferry") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = out_reader.join().unwrap_or_default();
            let stderr = err_reader.join().unwrap_or_default();
            panic!(
                "{what} did not finish within {RUN_LIMIT:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                String::from_utf8_lossy(&stdout),
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out_reader.join().expect("stdout reader")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned(),
        what,
        peak_memory_kb,
    }
}

/// The peak resident memory Linux recorded for a process (VmHWM), in KiB.
fn high_water_mark_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `mailferry <command> --source SOURCE --dest DEST` with the passwords read from the
/// variables SRC_PW and DST_PW, trusting `ca`, keeping state in `state`; `extra` follows.
pub fn two_sided_args(
    command: &str,
    source: &str,
    dest: &str,
    ca: &std::path::Path,
    state: &std::path::Path,
    extra: &[&str],
) -> Vec<String> {
    let ca = ca.display().to_string();
    let state = state.display().to_string();
    let mut args: Vec<String> = [
        command,
        "--source",
        source,
        "--dest",
        dest,
        "--source-password-env",
        "SRC_PW",
        "--dest-password-env",
        "DST_PW",
        "--ca-file",
        &ca,
        "--state-dir",
        &state,
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}
