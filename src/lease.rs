//! One writer per mailbox: whoever copies a source → destination pair (`migrate`, a batch
//! runner on the command line, the window's runner) holds its lease for the whole pass.
//!
//! The lease is an OS file lock on a file in the state folder, so the kernel releases it when
//! the process ends in any way, `kill -9` included: a lease can never go stale. The file also
//! says who holds it, so that a refusal can name the other process.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::error::{Classify, ErrorKind};

/// Who holds a lease, as written in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// `mailferry migrate`, `mailferry batch start`, `Mailferry` (the window), …
    pub program: String,
    /// When it took the lease (RFC 3339).
    pub since: String,
}

impl Holder {
    fn this_process() -> Holder {
        let mut args = std::env::args();
        let exe = args
            .next()
            .and_then(|a| {
                Path::new(&a)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "mailferry".into());
        let program = match args.find(|a| !a.starts_with('-')) {
            Some(command) if exe == "mailferry" => format!("mailferry {command}"),
            _ => exe,
        };
        Holder {
            pid: std::process::id(),
            program,
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

#[derive(Debug, Error)]
pub enum LeaseError {
    #[error("another Mailferry process is copying this mailbox{}", describe(.holder))]
    Held { holder: Option<Holder> },
    #[error("cannot use the lock file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn describe(holder: &Option<Holder>) -> String {
    match holder {
        Some(h) => format!(" ({}, process {}, since {})", h.program, h.pid, h.since),
        None => String::new(),
    }
}

impl Classify for LeaseError {
    fn kind(&self) -> ErrorKind {
        match self {
            LeaseError::Held { .. } => ErrorKind::Busy,
            LeaseError::Io { .. } => ErrorKind::Local,
        }
    }
    fn hint(&self) -> String {
        match self {
            LeaseError::Held { .. } => "Two copies of one mailbox at once would duplicate mail, so this one waits for the other to finish. Let it finish, or stop it, then run again.".into(),
            LeaseError::Io { .. } => "Check that Mailferry's data folder is writable and that the disk has free space.".into(),
        }
    }
}

/// A held lease; dropping it releases the mailbox.
#[derive(Debug)]
pub struct Lease {
    _file: File,
    path: PathBuf,
}

impl Lease {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The lease file of a pair: one name per (source, destination), whatever their length.
pub fn lease_path(state_dir: &Path, source: &str, destination: &str) -> PathBuf {
    let mut digest = Sha256::new();
    digest.update(source.as_bytes());
    digest.update([0]);
    digest.update(destination.as_bytes());
    let name = hex::encode(&digest.finalize()[..16]);
    state_dir.join("leases").join(format!("{name}.lock"))
}

/// Takes the pair's lease now, or says who holds it.
pub fn try_acquire(state_dir: &Path, source: &str, destination: &str) -> Result<Lease, LeaseError> {
    let path = lease_path(state_dir, source, destination);
    let io = |source| LeaseError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(LeaseError::Held {
                holder: read_holder(&mut file),
            })
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    let holder = serde_json::to_vec(&Holder::this_process()).unwrap_or_default();
    file.set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(&holder))
        .and_then(|_| file.flush())
        .map_err(io)?;
    Ok(Lease { _file: file, path })
}

/// Takes the lease, waiting for its holder to finish; `on_wait` hears once who that is.
pub async fn acquire_waiting(
    state_dir: &Path,
    source: &str,
    destination: &str,
    mut on_wait: impl FnMut(&LeaseError),
) -> Result<Lease, LeaseError> {
    let mut told = false;
    loop {
        match try_acquire(state_dir, source, destination) {
            Err(busy @ LeaseError::Held { .. }) => {
                if !told {
                    on_wait(&busy);
                    told = true;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => return other,
        }
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(4096).read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_refusal_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let lease = try_acquire(dir.path(), "imaps://a@s", "imaps://b@d").unwrap();
        let Err(LeaseError::Held {
            holder: Some(holder),
        }) = try_acquire(dir.path(), "imaps://a@s", "imaps://b@d")
        else {
            panic!("a second lease was granted");
        };
        assert_eq!(holder.pid, std::process::id());
        assert!(!holder.since.is_empty());
        // Another pair is independent.
        assert!(try_acquire(dir.path(), "imaps://c@s", "imaps://b@d").is_ok());
        drop(lease);
        assert!(try_acquire(dir.path(), "imaps://a@s", "imaps://b@d").is_ok());
    }

    #[test]
    fn pairs_are_told_apart_even_when_their_parts_run_together() {
        let dir = Path::new("/state");
        assert_ne!(lease_path(dir, "ab", "c"), lease_path(dir, "a", "bc"));
    }

    #[tokio::test]
    async fn a_waiting_writer_gets_the_lease_when_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = try_acquire(dir.path(), "s", "d").unwrap();
        let path = dir.path().to_path_buf();
        let waiter = tokio::spawn(async move {
            let mut waited = false;
            let lease = acquire_waiting(&path, "s", "d", |_| waited = true).await;
            (lease.is_ok(), waited)
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(first);
        assert_eq!(waiter.await.unwrap(), (true, true));
    }
}
