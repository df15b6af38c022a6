//! Reading Microsoft's migration CSV for a batch, the same way for the command line's
//! `batch create` and the window's Import CSV: the file is read with a bound (a larger file
//! is refused by its size, never loaded whole), every row is checked, and the rows become
//! mailboxes of a new batch with their passwords beside them.

use std::io::Read;
use std::path::Path;

use thiserror::Error;

use super::new_batch::{GivenSecrets, NewUser};
use crate::error::{Classify, ErrorKind};
use crate::migration_csv::{self, CsvProblem, CsvUser, Passwords};

#[derive(Debug, Error)]
pub enum CsvImportError {
    #[error("cannot read {path}: {why}")]
    Unreadable { path: String, why: String },
    /// Nothing was imported; every problem is listed by line and column.
    #[error("the CSV file was not imported: {} problem(s)", .0.len())]
    Refused(Vec<CsvProblem>),
}

impl Classify for CsvImportError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
    fn hint(&self) -> String {
        match self {
            CsvImportError::Unreadable { .. } => "Check the file's name and place.".into(),
            CsvImportError::Refused(_) => {
                "Fix the lines listed and import the file again; nothing was imported.".into()
            }
        }
    }
}

/// Reads and checks a whole file. When the old mailboxes sign in instead of using passwords
/// (`signs_in`), the Password column may be empty.
pub fn read(path: &Path, signs_in: bool) -> Result<Vec<CsvUser>, CsvImportError> {
    let unreadable = |e: std::io::Error| CsvImportError::Unreadable {
        path: path.display().to_string(),
        why: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // One byte over the limit is enough for the parser to refuse the file by its size.
    let mut bytes = Vec::new();
    file.take(migration_csv::MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    migration_csv::parse_with(&bytes, Passwords::when_signing_in(signs_in))
        .map_err(CsvImportError::Refused)
}

/// The rows as a new batch's mailboxes, and their passwords to keep with it.
pub fn into_batch(users: Vec<CsvUser>) -> (Vec<NewUser>, GivenSecrets) {
    let mut secrets = GivenSecrets::default();
    let mut mailboxes = Vec::with_capacity(users.len());
    for user in users {
        if !user.password.expose().is_empty() {
            secrets
                .source_passwords
                .push((user.email_address.clone(), user.password));
        }
        mailboxes.push(NewUser {
            email_address: user.email_address,
            user_name: user.user_name,
            user_root: user.user_root,
        });
    }
    (mailboxes, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_size_without_reading_it_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: 1 GB on paper, nothing on disk.
        file.set_len(1 << 30).unwrap();
        match read(&path, false) {
            Err(CsvImportError::Refused(problems)) => {
                assert!(problems[0].message.contains("10 MB"), "{problems:?}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rows_become_mailboxes_and_only_given_passwords_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        std::fs::write(
            &path,
            "EmailAddress,UserName,Password,UserRoot\nann@contoso.com,ann,pw-a,\nbob@contoso.com,bob,,/users/bob\n",
        )
        .unwrap();
        assert!(matches!(
            read(&path, false),
            Err(CsvImportError::Refused(p)) if p.len() == 1 && p[0].line == 3
        ));
        let (mailboxes, secrets) = into_batch(read(&path, true).unwrap());
        assert_eq!(mailboxes.len(), 2);
        assert_eq!(mailboxes[1].user_root.as_deref(), Some("/users/bob"));
        assert_eq!(secrets.source_passwords.len(), 1);
        assert_eq!(secrets.source_passwords[0].0, "ann@contoso.com");
        assert!(matches!(
            read(&dir.path().join("none.csv"), false),
            Err(CsvImportError::Unreadable { .. })
        ));
    }
}
