//! The terminal view of a running batch: one progress bar per mailbox on a terminal,
//! plain status lines otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use mailferry::batch::{ProgressHub, UserStatus};
use mailferry::display::escape_controls as show;

pub fn spawn(hub: &ProgressHub) -> tokio::task::JoinHandle<()> {
    let (snapshot, mut updates) = hub.subscribe();
    let terminal = std::io::stderr().is_terminal();
    tokio::spawn(async move {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template("{prefix:32} {wide_bar} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let mut bars: HashMap<String, ProgressBar> = HashMap::new();
        let mut last_status: HashMap<String, UserStatus> = HashMap::new();
        let mut apply = |update: mailferry::batch::BatchUpdate| {
            for user in update.users {
                if terminal {
                    let bar = bars.entry(user.email_address.clone()).or_insert_with(|| {
                        let bar = multi.add(ProgressBar::new(0));
                        bar.set_style(style.clone());
                        bar.set_prefix(show(&user.email_address).into_owned());
                        bar
                    });
                    bar.set_length(user.to_copy);
                    bar.set_position(user.copied);
                    let eta = user
                        .eta_secs
                        .map(|s| format!(" · {s}s left"))
                        .unwrap_or_default();
                    bar.set_message(format!(
                        "{} · {:.1} MB{eta} {}",
                        user.status.as_str(),
                        user.bytes_copied as f64 / 1_000_000.0,
                        show(&user.detail.unwrap_or_default())
                    ));
                } else if last_status.get(&user.email_address) != Some(&user.status) {
                    last_status.insert(user.email_address.clone(), user.status);
                    eprintln!(
                        "{} {}{}",
                        show(&user.email_address),
                        user.status.as_str(),
                        user.detail
                            .map(|d| format!(": {}", show(&d)))
                            .unwrap_or_default()
                    );
                }
            }
        };
        apply(snapshot);
        loop {
            match updates.recv().await {
                Ok(update) => apply(update),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        for bar in bars.values() {
            bar.finish();
        }
    })
}

/// For scripts and tests: every coalesced update as one JSON line on standard output.
pub fn spawn_json_lines(hub: &ProgressHub) -> tokio::task::JoinHandle<()> {
    let (snapshot, mut updates) = hub.subscribe();
    tokio::spawn(async move {
        let print = |update: &mailferry::batch::BatchUpdate| {
            if let Ok(line) = serde_json::to_string(update) {
                println!("{line}");
            }
        };
        print(&snapshot);
        loop {
            match updates.recv().await {
                Ok(update) => print(&update),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    })
}
