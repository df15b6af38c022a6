//! Progress as it happens, for any front end: the terminal's progress bar now, the
//! desktop window later. The engine never waits for a listener.

use serde::Serialize;

use crate::copy::reach::FolderReach;
use crate::report::FolderReport;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A folder was scanned: this many messages and bytes will be copied.
    FolderScanned {
        source: String,
        destination: String,
        to_copy: u64,
        bytes_to_copy: u64,
    },
    /// Messages landed on the destination.
    Copied {
        source: String,
        messages: u64,
        bytes: u64,
    },
    FolderFinished {
        report: Box<FolderReport>,
    },
    /// The folders this pass copies (by source name), before any of them is started.
    FoldersPlanned {
        sources: Vec<String>,
    },
    /// How far back a folder's mail is on the destination now (newest first, so this moves
    /// back in time as the folder is copied).
    Reached {
        source: String,
        reach: FolderReach,
    },
    /// The run waits before trying again (throttled, or the connection broke).
    Waiting {
        reason: String,
        seconds: u64,
    },
}

/// Where events go. Sending never blocks and never fails the migration.
#[derive(Clone, Default)]
pub struct Events {
    sender: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
}

impl Events {
    pub fn none() -> Events {
        Events { sender: None }
    }

    pub fn channel() -> (Events, tokio::sync::mpsc::UnboundedReceiver<Event>) {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        (
            Events {
                sender: Some(sender),
            },
            receiver,
        )
    }

    pub fn emit(&self, event: Event) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(event);
        }
    }
}
