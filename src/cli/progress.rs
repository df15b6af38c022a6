//! A terminal progress bar fed by the engine's events.

use indicatif::{ProgressBar, ProgressStyle};
use mailferry::display::escape_controls as visible;
use mailferry::events::Event;
use tokio::sync::mpsc::UnboundedReceiver;

/// Draws until the channel closes. Only called when standard error is a terminal.
pub async fn show(mut events: UnboundedReceiver<Event>) {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} messages · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut bytes = 0u64;
    while let Some(event) = events.recv().await {
        match event {
            Event::FolderScanned { to_copy, .. } => bar.inc_length(to_copy),
            Event::Copied {
                messages,
                bytes: b,
                source,
            } => {
                bytes += b;
                bar.inc(messages);
                bar.set_message(format!(
                    "{:.1} MB · {}",
                    bytes as f64 / 1_000_000.0,
                    visible(&source)
                ));
            }
            Event::Waiting { reason, seconds } => {
                bar.set_message(format!("waiting {seconds} s: {}", visible(&reason)))
            }
            Event::FolderFinished { .. } => bar.tick(),
            // How far back each folder is copied matters to a batch's status page; the bar
            // shows counts.
            Event::FoldersPlanned { .. } | Event::Reached { .. } => {}
        }
    }
    bar.finish_and_clear();
}
