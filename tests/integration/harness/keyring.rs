//! What the tests read back from the OS keyring (the throwaway one scripts/test.sh starts),
//! through `secret-tool`, independently of Mailferry's own keyring code.

use std::process::{Command, Output, Stdio};

/// The keyring service every Mailferry entry is stored under.
const SERVICE: &str = "Mailferry";

fn secret_tool(args: &[&str]) -> Output {
    Command::new("secret-tool")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run secret-tool ({e}); install it with apt-get install libsecret-tools")
        })
}

/// The value stored for `account` under service Mailferry.
pub fn lookup(account: &str) -> Option<String> {
    let out = secret_tool(&["lookup", "service", SERVICE, "username", account]);
    let value = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !value.is_empty()).then_some(value)
}

/// `username` attributes of every Mailferry keyring entry that belongs to `batch`.
pub fn accounts_of_batch(batch: &str) -> Vec<String> {
    let out = secret_tool(&["search", "--all", "service", SERVICE]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let prefix = format!("batch:{batch}:");
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("attribute.username = "))
        .filter(|account| account.starts_with(&prefix))
        .map(str::to_string)
        .collect()
}
