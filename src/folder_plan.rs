//! Which source folder goes to which destination folder, and why some do not go at all.
//!
//! Pure logic over the two servers' folder lists, so every naming rule is unit-tested
//! without a server. The rules, in order:
//! 1. The source is scoped to `UserRoot` and stripped of its personal-namespace prefix.
//! 2. Special folders (RFC 6154 attributes, else well-known names) map onto the
//!    destination's own special folders, or Microsoft 365's names when it has none.
//! 3. Gmail's views (\All, \Flagged, \Important) are not copied as folders; \All feeds
//!    the destination's Archive with messages found in no other folder.
//! 4. The path is rebuilt with the destination's separator and prefix. A name part that
//!    contains the destination's separator has it replaced by `_`; a top-level name
//!    Microsoft 365 reserves (`Files`) gets ` (imported)` appended. Control characters
//!    become `_`, and a part that is `.` or `..` gets `_` for its first dot (servers refuse
//!    both). A name the source wrote in broken modified UTF-7 is kept letter for letter.
//!    All of these are reported.
//! 5. Names that differ only in case land in one destination folder.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::folder_name::{self, Role};
use crate::imap::ListedFolder;

/// One server's folders and naming conventions.
#[derive(Debug, Clone)]
pub struct FolderTree {
    pub folders: Vec<ListedFolder>,
    /// Personal namespace prefix (`INBOX.` on Courier-style servers, usually empty).
    pub prefix: String,
    pub delimiter: char,
}

impl FolderTree {
    pub fn new(
        folders: Vec<ListedFolder>,
        namespace: Option<(String, Option<char>)>,
    ) -> FolderTree {
        let listed_delimiter = folders.iter().find_map(|f| f.delimiter);
        let (prefix, ns_delimiter) = namespace.unwrap_or_default();
        FolderTree {
            folders,
            prefix,
            delimiter: ns_delimiter.or(listed_delimiter).unwrap_or('/'),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `--exclude`: source folder names (`Clients/Acme`, `Archive/*` for a subtree) or tokens.
    pub excludes: Vec<String>,
    /// Only folders below this source folder are migrated; the root itself becomes the inbox.
    pub user_root: Option<String>,
    /// The destination is Microsoft 365 / Exchange, whose reserved names must be avoided.
    pub destination_is_exchange: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolderMapping {
    /// Source name on the wire.
    #[serde(skip)]
    pub source_raw: String,
    /// Source name as a person reads it (decoded, with the server's separator).
    pub source: String,
    #[serde(skip)]
    pub destination_raw: String,
    /// Destination name as a person reads it.
    pub destination: String,
    pub role: Role,
    /// Why the destination name differs from what the rules would normally give.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFolder {
    pub source: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderPlan {
    pub copy: Vec<FolderMapping>,
    pub skipped: Vec<SkippedFolder>,
    /// Destination folders that must exist but receive nothing (parents of copied ones
    /// are created by the migration when needed, so this is only used for empty leaves).
    pub destination_delimiter: char,
}

pub fn plan(source: &FolderTree, destination: &FolderTree, options: &PlanOptions) -> FolderPlan {
    let scoped = scope_source(source, options.user_root.as_deref());
    let source_roles = assign_roles(
        source,
        scoped
            .iter()
            .map(|(folder, relative)| (*folder, relative.as_slice())),
    );
    let destination_entries: Vec<(&ListedFolder, Vec<String>)> = destination
        .folders
        .iter()
        .map(|f| (f, relative_parts(destination, &f.raw_name)))
        .collect();
    let destination_roles = assign_roles(
        destination,
        destination_entries.iter().map(|(f, r)| (*f, r.as_slice())),
    );

    let mut plan = FolderPlan {
        destination_delimiter: destination.delimiter,
        ..Default::default()
    };
    // Case-insensitive index of destination names already taken, so case-only collisions merge.
    let mut taken: HashMap<String, String> = destination
        .folders
        .iter()
        .map(|f| {
            (
                folder_name::decode(&f.raw_name).to_lowercase(),
                f.raw_name.clone(),
            )
        })
        .collect();

    for (folder, relative) in &scoped {
        let display = display_name(source, &folder.raw_name);
        let role = source_roles
            .get(&folder.raw_name)
            .copied()
            .unwrap_or(Role::Regular);
        if let Some(reason) = excluded(options, &display, relative, source.delimiter, role) {
            plan.skipped.push(SkippedFolder {
                source: display,
                reason,
            });
            continue;
        }
        if !folder.is_selectable() {
            plan.skipped.push(SkippedFolder {
                source: display,
                reason:
                    "holds only other folders; it is created on the destination if they need it"
                        .into(),
            });
            continue;
        }
        match role {
            Role::Flagged => {
                plan.skipped.push(SkippedFolder {
                    source: display,
                    reason: "a view of starred messages; they keep their star (\\Flagged) in their own folders".into(),
                });
                continue;
            }
            Role::Important => {
                plan.skipped.push(SkippedFolder {
                    source: display,
                    reason: "a view Gmail chooses; its messages are copied from their own folders"
                        .into(),
                });
                continue;
            }
            _ => {}
        }
        let (parts, renamed) = destination_parts(
            source,
            destination,
            &scoped,
            &source_roles,
            &destination_roles,
            relative,
            role,
            options,
        );
        let renamed = if folder_name::decode_lenient(&folder.raw_name).undecodable {
            let reason = "the old server wrote this name in a broken encoding (not valid modified UTF-7), so it is kept letter for letter";
            Some(match renamed {
                Some(other) => format!("{reason}; {other}"),
                None => reason.to_string(),
            })
        } else {
            renamed
        };
        let mut destination_raw = join_raw(destination, &parts);
        let key = folder_name::decode(&destination_raw).to_lowercase();
        let renamed = match taken.get(&key) {
            Some(existing) if *existing != destination_raw => {
                destination_raw = existing.clone();
                renamed.or(Some(
                    "merged with a destination folder whose name differs only in letter case"
                        .into(),
                ))
            }
            _ => renamed,
        };
        taken.insert(key, destination_raw.clone());
        plan.copy.push(FolderMapping {
            source_raw: folder.raw_name.clone(),
            source: display,
            destination: display_name(destination, &destination_raw),
            destination_raw,
            role,
            renamed,
        });
    }
    // Inbox first and the rest by name, as a person scans them; Gmail's All Mail must be
    // read last, because it keeps only what no other folder had.
    plan.copy.sort_by_key(|m| {
        (
            m.role == Role::All,
            m.role != Role::Inbox,
            m.source.to_lowercase(),
        )
    });
    plan
}

/// The source folders in scope, each with its path below the prefix or UserRoot.
fn scope_source<'a>(
    source: &'a FolderTree,
    user_root: Option<&str>,
) -> Vec<(&'a ListedFolder, Vec<String>)> {
    let mut scoped = Vec::new();
    for folder in &source.folders {
        let decoded = folder_name::decode(&folder.raw_name);
        let relative = match user_root {
            None => relative_parts(source, &folder.raw_name),
            Some(root) => {
                let root = root.trim_end_matches(source.delimiter);
                if decoded == root {
                    vec!["INBOX".to_string()]
                } else if let Some(rest) =
                    decoded.strip_prefix(&format!("{root}{}", source.delimiter))
                {
                    rest.split(source.delimiter).map(str::to_string).collect()
                } else {
                    continue;
                }
            }
        };
        if relative.is_empty() {
            continue;
        }
        scoped.push((folder, relative));
    }
    scoped
}

/// Path parts of a folder below the namespace prefix: `INBOX.Clients.Acme` → `[Clients, Acme]`.
fn relative_parts(tree: &FolderTree, raw: &str) -> Vec<String> {
    let decoded = folder_name::decode(raw);
    if decoded.eq_ignore_ascii_case("INBOX") {
        return vec!["INBOX".into()];
    }
    let stripped = if !tree.prefix.is_empty() && decoded.starts_with(&tree.prefix) {
        &decoded[tree.prefix.len()..]
    } else {
        decoded.as_str()
    };
    stripped
        .split(tree.delimiter)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn display_name(_tree: &FolderTree, raw: &str) -> String {
    folder_name::decode(raw)
}

/// Picks at most one folder per special role: attributes win over names.
fn assign_roles<'a>(
    tree: &FolderTree,
    entries: impl Iterator<Item = (&'a ListedFolder, &'a [String])> + Clone,
) -> HashMap<String, Role> {
    let mut roles = HashMap::new();
    let mut claimed = std::collections::HashSet::new();
    for (folder, relative) in entries.clone() {
        if relative.len() == 1 && relative[0].eq_ignore_ascii_case("INBOX") {
            roles.insert(folder.raw_name.clone(), Role::Inbox);
            claimed.insert(Role::Inbox);
        }
    }
    for (folder, _) in entries.clone() {
        if roles.contains_key(&folder.raw_name) {
            continue;
        }
        if let Some(role) = folder
            .attributes
            .iter()
            .find_map(|a| Role::from_attribute(a))
        {
            if claimed.insert(role) {
                roles.insert(folder.raw_name.clone(), role);
            }
        }
    }
    // Only top-level folders (or direct children of INBOX on prefix-less Courier setups)
    // are recognised by name; "Clients/Sent" is the client's folder, not ours.
    let _ = tree;
    for (folder, relative) in entries {
        if roles.contains_key(&folder.raw_name) || relative.len() != 1 || !folder.is_selectable() {
            continue;
        }
        if let Some(role) = Role::from_well_known_name(&relative[0]) {
            if claimed.insert(role) {
                roles.insert(folder.raw_name.clone(), role);
            }
        }
    }
    roles
}

fn excluded(
    options: &PlanOptions,
    display: &str,
    relative: &[String],
    delimiter: char,
    role: Role,
) -> Option<String> {
    let relative_slash = relative.join("/");
    let relative_native = relative.join(&delimiter.to_string());
    for pattern in &options.excludes {
        if let Some(token_role) = Role::from_exclude_token(pattern) {
            if token_role == role {
                return Some(format!("excluded by {pattern}"));
            }
            continue;
        }
        let matches = |name: &str| {
            if let Some(parent) = pattern
                .strip_suffix("/*")
                .or_else(|| pattern.strip_suffix(&format!("{delimiter}*")))
            {
                name == parent
                    || name.starts_with(&format!("{parent}/"))
                    || name.starts_with(&format!("{parent}{delimiter}"))
            } else {
                name == pattern
                    || (pattern.eq_ignore_ascii_case("INBOX") && name.eq_ignore_ascii_case("INBOX"))
            }
        };
        if matches(display) || matches(&relative_slash) || matches(&relative_native) {
            return Some(format!("excluded by the pattern {pattern}"));
        }
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn destination_parts(
    source: &FolderTree,
    destination: &FolderTree,
    scoped: &[(&ListedFolder, Vec<String>)],
    source_roles: &HashMap<String, Role>,
    destination_roles: &HashMap<String, Role>,
    relative: &[String],
    role: Role,
    options: &PlanOptions,
) -> (Vec<String>, Option<String>) {
    let _ = source;
    // A special folder, or a folder inside one, is rebased onto the destination's folder.
    let mut base: Vec<String> = Vec::new();
    let mut rest: &[String] = relative;
    let special_target = |role: Role| -> Vec<String> {
        let target_role = if role == Role::All {
            Role::Archive
        } else {
            role
        };
        match destination_roles.iter().find(|(_, r)| **r == target_role) {
            Some((raw, _)) => relative_parts(destination, raw),
            None => vec![target_role
                .default_destination_name()
                .unwrap_or("Archive")
                .to_string()],
        }
    };
    if role != Role::Regular {
        base = special_target(role);
        rest = &[];
    } else {
        // Longest special ancestor wins.
        for (folder, folder_relative) in scoped {
            let ancestor_role = source_roles
                .get(&folder.raw_name)
                .copied()
                .unwrap_or(Role::Regular);
            if ancestor_role == Role::Regular
                || folder_relative.len() >= relative.len()
                || folder_relative.len() <= base.len()
            {
                continue;
            }
            if relative.starts_with(folder_relative) {
                base = special_target(ancestor_role);
                rest = &relative[folder_relative.len()..];
            }
        }
        if base.is_empty() {
            rest = relative;
        }
    }
    let mut reasons: Vec<String> = Vec::new();
    let mut parts = base;
    for part in rest {
        let mut part = part.clone();
        if part.contains(destination.delimiter) {
            part = part.replace(destination.delimiter, "_");
            note(
                &mut reasons,
                format!(
                    "'{}' separates folders on the destination, so it became '_'",
                    destination.delimiter
                ),
            );
        }
        if let Some((safe, reason)) = safe_part(&part) {
            part = safe;
            note(&mut reasons, reason.into());
        }
        parts.push(part);
    }
    if options.destination_is_exchange && parts.len() == 1 && parts[0].eq_ignore_ascii_case("Files")
    {
        parts[0] = format!("{} (imported)", parts[0]);
        note(
            &mut reasons,
            "Microsoft 365 reserves the folder name 'Files'".into(),
        );
    }
    let renamed = (!reasons.is_empty()).then(|| reasons.join("; "));
    (parts, renamed)
}

fn note(reasons: &mut Vec<String>, reason: String) {
    if !reasons.contains(&reason) {
        reasons.push(reason);
    }
}

/// The rule for name parts a destination would refuse (Dovecot refuses both, and a name a
/// person cannot see is no use to them): control characters (C0, DEL, C1) become `_`, and a
/// part that is `.` or `..` gets `_` for its first dot, so `..` becomes `_.`. `None` when the
/// part is fine as it is.
pub fn safe_part(part: &str) -> Option<(String, &'static str)> {
    if part == "." || part == ".." {
        return Some((
            format!("_{}", &part[1..]),
            "'.' and '..' are not folder names on most servers, so the first dot became '_'",
        ));
    }
    if part.chars().any(char::is_control) {
        return Some((
            part.chars()
                .map(|c| if c.is_control() { '_' } else { c })
                .collect(),
            "control characters in the name became '_'",
        ));
    }
    None
}

fn join_raw(tree: &FolderTree, parts: &[String]) -> String {
    if parts.len() == 1 && parts[0].eq_ignore_ascii_case("INBOX") {
        return "INBOX".into();
    }
    let inbox_prefix = format!("INBOX{}", tree.delimiter);
    let parts = if parts.len() > 1
        && parts[0].eq_ignore_ascii_case("INBOX")
        && tree.prefix.eq_ignore_ascii_case(&inbox_prefix)
    {
        &parts[1..]
    } else {
        parts
    };
    let path = parts.join(&tree.delimiter.to_string());
    // Courier-style servers keep everything below INBOX.; the prefix is not a folder of its own.
    folder_name::encode(&format!("{}{}", tree.prefix, path))
}

/// Destination parents that must exist before `raw` can be created, outermost first.
pub fn parents_of(raw: &str, delimiter: char, prefix: &str) -> Vec<String> {
    let body = raw.strip_prefix(prefix).unwrap_or(raw);
    let parts: Vec<&str> = body.split(delimiter).collect();
    (1..parts.len())
        .map(|n| format!("{prefix}{}", parts[..n].join(&delimiter.to_string())))
        .collect()
}

#[cfg(test)]
mod tests;
