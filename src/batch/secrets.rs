//! Where a batch's passwords live: the OS keyring (default), or only this process's memory
//! (`--secrets memory`, for headless servers without a keyring). Never the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::secrets::{self, SecretError, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMode {
    Keyring,
    Memory,
}

#[derive(Clone)]
pub struct BatchSecrets {
    mode: SecretMode,
    memory: Arc<Mutex<HashMap<String, SecretString>>>,
}

impl BatchSecrets {
    pub fn new(mode: SecretMode) -> BatchSecrets {
        BatchSecrets {
            mode,
            memory: Arc::default(),
        }
    }

    pub fn mode(&self) -> SecretMode {
        self.mode
    }

    fn source_account(batch: &str, email: &str) -> String {
        format!("batch:{batch}:source:{}", email.to_lowercase())
    }

    fn admin_account(batch: &str) -> String {
        format!("batch:{batch}:destination-admin")
    }

    fn put(&self, account: String, secret: &SecretString) -> Result<(), SecretError> {
        match self.mode {
            SecretMode::Keyring => secrets::keyring_set(&account, secret),
            SecretMode::Memory => {
                if let Ok(mut map) = self.memory.lock() {
                    map.insert(account, secret.clone());
                }
                Ok(())
            }
        }
    }

    fn get(&self, account: &str) -> Result<Option<SecretString>, SecretError> {
        match self.mode {
            SecretMode::Keyring => secrets::keyring_get(account),
            SecretMode::Memory => Ok(self
                .memory
                .lock()
                .ok()
                .and_then(|m| m.get(account).cloned())),
        }
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match self.mode {
            SecretMode::Keyring => secrets::keyring_delete(account),
            SecretMode::Memory => {
                if let Ok(mut map) = self.memory.lock() {
                    map.remove(account);
                }
                Ok(())
            }
        }
    }

    pub fn set_source_password(
        &self,
        batch: &str,
        email: &str,
        secret: &SecretString,
    ) -> Result<(), SecretError> {
        self.put(Self::source_account(batch, email), secret)
    }

    /// Keeps the passwords of an accepted migration CSV. Rows that sign in instead came
    /// without one: nothing is kept for them.
    pub fn set_csv_passwords(
        &self,
        batch: &str,
        users: &[crate::migration_csv::CsvUser],
    ) -> Result<(), SecretError> {
        for user in users.iter().filter(|u| !u.password.expose().is_empty()) {
            self.set_source_password(batch, &user.email_address, &user.password)?;
        }
        Ok(())
    }

    pub fn source_password(
        &self,
        batch: &str,
        email: &str,
    ) -> Result<Option<SecretString>, SecretError> {
        self.get(&Self::source_account(batch, email))
    }

    pub fn set_admin_password(
        &self,
        batch: &str,
        secret: &SecretString,
    ) -> Result<(), SecretError> {
        self.put(Self::admin_account(batch), secret)
    }

    pub fn admin_password(&self, batch: &str) -> Result<Option<SecretString>, SecretError> {
        self.get(&Self::admin_account(batch))
    }

    /// Removes every secret of a batch (when the batch is deleted).
    pub fn forget(&self, batch: &str, emails: &[String]) -> Result<(), SecretError> {
        for email in emails {
            self.delete(&Self::source_account(batch, email))?;
        }
        self.delete(&Self::admin_account(batch))
    }
}
