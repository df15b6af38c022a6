//! A batch's reports as files the owner can keep, mail or open with no network:
//! CSV for spreadsheets, a self-contained HTML page for reading, JSON for tools.

use serde::Serialize;

use crate::batch::{BatchSummary, BatchUser};
use crate::display::{csv_cell, escape_controls};
use crate::report::MigrationReport;

/// One user of a batch with the report of their last pass.
#[derive(Debug, Clone, Serialize)]
pub struct UserReport {
    pub user: BatchUser,
    pub report: Option<MigrationReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    pub batch: BatchSummary,
    pub users: Vec<UserReport>,
    pub generated_at: i64,
}

fn time_text(epoch: Option<i64>) -> String {
    epoch
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

pub fn to_json(report: &BatchReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// One row per folder, skipped or failed message and error, so a spreadsheet can filter by
/// `RowType`.
pub fn to_csv(report: &BatchReport) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "RowType",
        "EmailAddress",
        "UserName",
        "Status",
        "SourceFolder",
        "DestinationFolder",
        "MessagesInSource",
        "Copied",
        "AlreadyThere",
        "Skipped",
        "Failed",
        "BytesCopied",
        "DestinationMessages",
        "Date",
        "Subject",
        "Size",
        "Reason",
        "Explanation",
        "Fix",
        "LastSynced",
    ])?;
    for entry in &report.users {
        let user = &entry.user;
        let status = user.status.as_str();
        let last = time_text(user.last_synced_at);
        let base = |row_type: &str| {
            vec![
                row_type.to_string(),
                user.email_address.clone(),
                user.user_name.clone(),
                status.to_string(),
            ]
        };
        let mut user_row = base("user");
        user_row.extend([
            String::new(),
            String::new(),
            user.messages_in_source.to_string(),
            user.messages_done.to_string(),
            String::new(),
            user.skipped.to_string(),
            user.failed.to_string(),
            user.bytes_copied.to_string(),
        ]);
        user_row.extend(vec![String::new(); 4]);
        user_row.push(
            user.error
                .as_ref()
                .map(|e| e.kind.as_str().to_string())
                .unwrap_or_default(),
        );
        user_row.push(
            user.error
                .as_ref()
                .map(|e| e.message.clone())
                .unwrap_or_default(),
        );
        user_row.push(
            user.error
                .as_ref()
                .map(|e| e.hint.clone())
                .unwrap_or_default(),
        );
        user_row.push(last.clone());
        write_row(&mut out, &user_row)?;
        let Some(run) = &entry.report else { continue };
        for folder in &run.folders {
            let mut row = base("folder");
            row.extend([
                folder.source.clone(),
                folder.destination.clone(),
                folder.messages_in_source.to_string(),
                folder.copied.to_string(),
                (folder.already_present + folder.previously_copied + folder.in_other_folders)
                    .to_string(),
                folder.skipped.to_string(),
                folder.failed.to_string(),
                folder.bytes_copied.to_string(),
                folder
                    .destination_messages
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ]);
            row.extend(vec![String::new(); 3]);
            row.push(
                folder
                    .error
                    .as_ref()
                    .map(|e| e.kind.as_str().to_string())
                    .or(folder.renamed.clone())
                    .unwrap_or_default(),
            );
            row.push(
                folder
                    .error
                    .as_ref()
                    .map(|e| e.message.clone())
                    .unwrap_or_default(),
            );
            row.push(
                folder
                    .error
                    .as_ref()
                    .map(|e| e.hint.clone())
                    .unwrap_or_default(),
            );
            row.push(last.clone());
            write_row(&mut out, &row)?;
            for (row_type, items) in [
                ("skipped", &folder.skipped_items),
                ("failed", &folder.failed_items),
            ] {
                for item in items {
                    let mut row = base(row_type);
                    row.extend([folder.source.clone(), folder.destination.clone()]);
                    row.extend(vec![String::new(); 7]);
                    row.extend([
                        item.date.clone().unwrap_or_default(),
                        item.subject.clone().unwrap_or_default(),
                        item.size.to_string(),
                        item.reason.clone(),
                        item.explanation.clone(),
                        String::new(),
                        last.clone(),
                    ]);
                    write_row(&mut out, &row)?;
                }
            }
        }
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every cell goes through [`csv_cell`]: names, subjects and server messages are the
/// servers' and the CSV's words, not ours.
fn write_row(out: &mut csv::Writer<Vec<u8>>, row: &[String]) -> Result<(), csv::Error> {
    out.write_record(row.iter().map(|cell| csv_cell(cell).into_owned()))
}

fn escape(text: &str) -> String {
    escape_controls(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// A single HTML page with its styles inline: no scripts, fonts or images from anywhere.
pub fn to_html(report: &BatchReport) -> String {
    let b = &report.batch;
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    html.push_str(&format!(
        "<title>Mailferry report: {}</title>",
        escape(&b.name)
    ));
    html.push_str(
        "<style>body{font-family:'Segoe UI',system-ui,sans-serif;margin:2rem;color:#242424;background:#fff}\
         h1{font-weight:600}h2{margin-top:2rem;font-weight:600}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
         th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #e0e0e0;font-size:.9rem}th{background:#f5f5f5}\
         .num{text-align:right}.Synced,.Completed{color:#107c10}.Failed{color:#c50f1f}.Waiting,.Stopped{color:#8a6d00}\
         .hint{color:#616161}@media (prefers-color-scheme:dark){body{background:#1f1f1f;color:#f0f0f0}th{background:#2b2b2b}th,td{border-color:#3d3d3d}.hint{color:#adadad}}</style>",
    );
    html.push_str("</head><body>\n");
    html.push_str(&format!("<h1>Email migration: {}</h1>\n", escape(&b.name)));
    html.push_str(&format!(
        "<p>From <b>{}</b> to <b>{}</b>. Status: <b class=\"{:?}\">{:?}</b>. {} of {} mailboxes synced. Report made {}.</p>\n",
        escape(&b.source.url),
        escape(&b.destination.url),
        b.status,
        b.status,
        b.users_synced,
        b.users_total,
        time_text(Some(report.generated_at))
    ));
    html.push_str("<table><tr><th>Mailbox</th><th>Source login</th><th>Status</th><th class=\"num\">Messages</th><th class=\"num\">Done</th><th class=\"num\">Skipped</th><th class=\"num\">Failed</th><th class=\"num\">Copied</th><th>Last synced</th></tr>\n");
    for entry in &report.users {
        let u = &entry.user;
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            escape(&u.email_address),
            escape(&u.user_name),
            u.status.as_str(),
            u.status.as_str(),
            u.messages_in_source,
            u.messages_done,
            u.skipped,
            u.failed,
            megabytes(u.bytes_copied),
            time_text(u.last_synced_at)
        ));
    }
    html.push_str("</table>\n");
    for entry in &report.users {
        let u = &entry.user;
        html.push_str(&format!("<h2>{}</h2>\n", escape(&u.email_address)));
        if let Some(e) = &u.error {
            html.push_str(&format!(
                "<p class=\"Failed\">{}</p><p class=\"hint\">What to do: {}</p>\n",
                escape(&e.message),
                escape(&e.hint)
            ));
        }
        let Some(run) = &entry.report else {
            html.push_str("<p>No pass has finished yet.</p>\n");
            continue;
        };
        html.push_str(&format!(
            "<p>Last pass took {:.1} s.</p>\n",
            run.duration_ms as f64 / 1000.0
        ));
        html.push_str("<table><tr><th>Source folder</th><th>Destination folder</th><th class=\"num\">In source</th><th class=\"num\">Copied</th><th class=\"num\">Already there</th><th class=\"num\">Skipped</th><th class=\"num\">Failed</th><th class=\"num\">In destination</th><th class=\"num\">Size</th></tr>\n");
        for f in &run.folders {
            let note = f
                .renamed
                .as_deref()
                .map(|r| format!(" <span class=\"hint\">({})</span>", escape(r)))
                .unwrap_or_default();
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}{note}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                escape(&f.source),
                escape(&f.destination),
                f.messages_in_source,
                f.copied,
                f.already_present + f.previously_copied + f.in_other_folders,
                f.skipped,
                f.failed,
                f.destination_messages.map(|n| n.to_string()).unwrap_or_default(),
                megabytes(f.bytes_copied)
            ));
        }
        html.push_str("</table>\n");
        let issues: Vec<_> = run
            .folders
            .iter()
            .flat_map(|f| {
                f.skipped_items
                    .iter()
                    .chain(&f.failed_items)
                    .map(move |i| (f, i))
            })
            .collect();
        if !issues.is_empty() {
            html.push_str("<table><tr><th>Folder</th><th>Date</th><th>Subject</th><th class=\"num\">Size</th><th>Why it was not copied</th></tr>\n");
            for (f, i) in issues {
                html.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                    escape(&f.source),
                    escape(i.date.as_deref().unwrap_or("")),
                    escape(i.subject.as_deref().unwrap_or("(no subject)")),
                    megabytes(i.size),
                    escape(&i.explanation)
                ));
            }
            html.push_str("</table>\n");
        }
        for e in &run.errors {
            html.push_str(&format!(
                "<p class=\"Failed\">{}</p><p class=\"hint\">What to do: {}</p>\n",
                escape(&e.message),
                escape(&e.hint)
            ));
        }
    }
    html.push_str("</body></html>\n");
    html
}

/// Gathers a batch's summary and every user's last report from the database.
pub fn collect(
    store: &crate::batch::BatchStore,
    name: &str,
) -> Result<BatchReport, crate::batch::BatchError> {
    let batch = store.summary(name)?;
    let mut users = Vec::new();
    for user in store.users(name)? {
        let report = store.report(name, &user.email_address)?;
        users.push(UserReport { user, report });
    }
    Ok(BatchReport {
        batch,
        users,
        generated_at: chrono::Utc::now().timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{BatchStatus, ServerSpec, UserStatus};
    use crate::error::{ErrorKind, Problem};
    use crate::folder_name::Role;
    use crate::report::{FolderReport, MessageIssue};

    /// A report whose every server-given text is hostile.
    fn hostile() -> BatchReport {
        let mut folder = FolderReport::new(
            "\u{1b}]0;owned\u{7}Inbox",
            "=HYPERLINK(\"http://x\")",
            Role::Regular,
            Some("control characters in the name became '_'".into()),
        );
        folder.fail(MessageIssue {
            uid: 7,
            subject: Some("@SUM(1)\u{1b}[2J".into()),
            date: None,
            size: 10,
            reason: "protocol".into(),
            explanation: "-bad\r\nline".into(),
        });
        let run = MigrationReport::finish(
            "src".into(),
            "dst".into(),
            vec![folder],
            Vec::new(),
            vec![Problem {
                kind: ErrorKind::Protocol,
                message: "server said \u{1b}[31mNO".into(),
                hint: "+1".into(),
                facts: Default::default(),
            }],
            1,
        );
        BatchReport {
            batch: BatchSummary {
                name: "b".into(),
                source: ServerSpec {
                    preset: None,
                    url: "imaps://a".into(),
                },
                destination: ServerSpec {
                    preset: None,
                    url: "imaps://b".into(),
                },
                status: BatchStatus::Syncing,
                users_total: 1,
                users_synced: 0,
                last_synced_at: None,
                created_at: 0,
            },
            users: vec![UserReport {
                user: BatchUser {
                    email_address: "=cmd|' /C calc'!A0".into(),
                    user_name: "u\u{0}".into(),
                    user_root: None,
                    status: UserStatus::Failed,
                    detail: None,
                    error: None,
                    resume_at: None,
                    last_synced_at: None,
                    next_sync_at: None,
                    messages_in_source: 1,
                    messages_done: 0,
                    bytes_copied: 0,
                    skipped: 0,
                    failed: 1,
                    copied_back_to: None,
                },
                report: Some(run),
            }],
            generated_at: 0,
        }
    }

    fn raw_controls(text: &str) -> Vec<char> {
        text.chars()
            .filter(|c| c.is_control() && *c != '\n' && *c != '\r')
            .collect()
    }

    #[test]
    fn csv_has_no_control_characters_and_no_formulas() {
        let csv = to_csv(&hostile()).unwrap();
        assert_eq!(raw_controls(&csv), Vec::<char>::new(), "{csv}");
        assert!(csv.contains("\\u{1b}]0;owned\\u{7}Inbox"), "{csv}");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@']),
                    "a cell a spreadsheet would evaluate: {cell}"
                );
                // Record separators come only from the writer, never from a value.
                assert!(!cell.contains(['\r', '\n']), "{cell:?}");
            }
        }
        assert!(csv.contains("'=cmd|"), "{csv}");
    }

    #[test]
    fn html_has_no_control_characters() {
        let html = to_html(&hostile());
        assert_eq!(raw_controls(&html), Vec::<char>::new(), "{html}");
        assert!(html.contains("\\u{1b}]0;owned\\u{7}Inbox"));
        assert!(html.contains("server said \\u{1b}[31mNO"));
    }
}
