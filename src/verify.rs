//! Comparing source and destination folder by folder, independently of the state database:
//! what the source has that the destination lacks, and the other way round.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::fingerprint::{self, Fingerprint};
use crate::folder_name::Role;
use crate::imap::{self, Connection, FolderStatus, MessageMeta};
use crate::migrate::{MigrateError, Planned};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingMessage {
    pub source: String,
    pub uid: u32,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolderComparison {
    /// The source folders that feed this destination folder.
    pub sources: Vec<String>,
    pub destination: String,
    pub source_messages: u64,
    pub destination_messages: u64,
    pub missing: u64,
    pub missing_items: Vec<MissingMessage>,
    /// On the destination but not in the source (mail that was there before, usually).
    pub extra: u64,
    /// Present on both sides, but with flags the destination could keep and does not have.
    pub flag_differences: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// `match` when every source message is on the destination with its flags.
    pub status: &'static str,
    pub folders: Vec<FolderComparison>,
}

struct Scanned {
    folder: String,
    metas: Vec<MessageMeta>,
    fingerprints: HashMap<u32, Fingerprint>,
}

async fn scan(
    conn: &mut Connection,
    raw: &str,
    display: &str,
    read_only: bool,
) -> Result<(Scanned, FolderStatus), MigrateError> {
    let status = if read_only {
        imap::examine(conn, raw).await?
    } else {
        imap::select(conn, raw).await?
    };
    let mut metas = if status.exists == 0 {
        Vec::new()
    } else {
        imap::fetch_meta(conn, None).await?
    };
    metas.retain(|m| !crate::flags::is_deleted(&m.flags));
    let fingerprints = crate::copy::fingerprints_of(conn, &metas).await?;
    Ok((
        Scanned {
            folder: display.to_string(),
            metas,
            fingerprints,
        },
        status,
    ))
}

/// Compares every planned folder. The destination is only EXAMINEd, never changed.
pub async fn verify(planned: &mut Planned) -> Result<VerifyReport, MigrateError> {
    let mut scanned_sources: Vec<(crate::folder_plan::FolderMapping, Scanned)> = Vec::new();
    for mapping in &planned.plan.copy {
        let (scanned, _) = scan(
            &mut planned.source,
            &mapping.source_raw,
            &mapping.source,
            true,
        )
        .await?;
        scanned_sources.push((mapping.clone(), scanned));
    }
    // Gmail's All Mail only has to provide what no other folder provides.
    let elsewhere: HashSet<Fingerprint> = scanned_sources
        .iter()
        .filter(|(m, _)| m.role != Role::All)
        .flat_map(|(_, s)| s.fingerprints.values().cloned())
        .collect();
    let mut destinations: Vec<String> = Vec::new();
    for (mapping, _) in &scanned_sources {
        if !destinations.contains(&mapping.destination_raw) {
            destinations.push(mapping.destination_raw.clone());
        }
    }
    let mut folders = Vec::new();
    for destination_raw in destinations {
        let feeding: Vec<&(crate::folder_plan::FolderMapping, Scanned)> = scanned_sources
            .iter()
            .filter(|(m, _)| m.destination_raw == destination_raw)
            .collect();
        let display = feeding
            .first()
            .map(|(m, _)| m.destination.clone())
            .unwrap_or_default();
        let (dest, dest_status) =
            scan(&mut planned.destination, &destination_raw, &display, true).await?;
        let mut available: HashMap<&Fingerprint, Vec<&MessageMeta>> = HashMap::new();
        for meta in &dest.metas {
            if let Some(fp) = dest.fingerprints.get(&meta.uid) {
                available.entry(fp).or_default().push(meta);
            }
        }
        let mut comparison = FolderComparison {
            sources: feeding.iter().map(|(m, _)| m.source.clone()).collect(),
            destination: dest.folder.clone(),
            source_messages: 0,
            destination_messages: dest.metas.len() as u64,
            missing: 0,
            missing_items: Vec::new(),
            extra: 0,
            flag_differences: 0,
        };
        for (mapping, source) in &feeding {
            for meta in &source.metas {
                let Some(fp) = source.fingerprints.get(&meta.uid) else {
                    continue;
                };
                if mapping.role == Role::All && elsewhere.contains(fp) {
                    continue;
                }
                comparison.source_messages += 1;
                match available.get_mut(fp).and_then(Vec::pop) {
                    Some(found) => {
                        if kept_flags(&meta.flags, &dest_status, planned.exchange)
                            != kept_flags(&found.flags, &dest_status, planned.exchange)
                        {
                            comparison.flag_differences += 1;
                        }
                    }
                    None => {
                        let summary = fingerprint::summarize_header(&meta.header_fields);
                        comparison.missing += 1;
                        comparison.missing_items.push(MissingMessage {
                            source: source.folder.clone(),
                            uid: meta.uid,
                            subject: summary.subject,
                            date: summary.date,
                            size: meta.size,
                        });
                    }
                }
            }
        }
        comparison.extra = available.values().map(|v| v.len() as u64).sum();
        folders.push(comparison);
    }
    let all_match = folders
        .iter()
        .all(|f| f.missing == 0 && f.flag_differences == 0);
    Ok(VerifyReport {
        status: if all_match { "match" } else { "differences" },
        folders,
    })
}

fn kept_flags(flags: &[String], dest: &FolderStatus, exchange: bool) -> String {
    let plan = crate::flags::plan(
        &crate::flags::parse_all(flags),
        dest.permanent_flags.as_deref(),
        exchange,
    );
    crate::flags::key(&plan.kept())
}

/// Per-folder counts and sizes for `plan`: what a run would have to move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolderSurvey {
    pub source: String,
    pub destination: String,
    pub role: Role,
    pub messages: u64,
    pub bytes: u64,
    pub too_large: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed: Option<String>,
}

pub async fn survey(planned: &mut Planned) -> Result<Vec<FolderSurvey>, MigrateError> {
    let mut out = Vec::new();
    for mapping in &planned.plan.copy {
        let status = imap::examine(&mut planned.source, &mapping.source_raw).await?;
        let sizes = if status.exists == 0 {
            Vec::new()
        } else {
            imap::fetch_sizes(&mut planned.source).await?
        };
        let live: Vec<u64> = sizes
            .iter()
            .filter(|(_, deleted)| !deleted)
            .map(|(size, _)| *size)
            .collect();
        out.push(FolderSurvey {
            source: mapping.source.clone(),
            destination: mapping.destination.clone(),
            role: mapping.role,
            messages: live.len() as u64,
            bytes: live.iter().sum(),
            too_large: planned
                .max_message_size
                .map(|limit| live.iter().filter(|s| **s > limit).count() as u64)
                .unwrap_or(0),
            renamed: mapping.renamed.clone(),
        });
    }
    Ok(out)
}
