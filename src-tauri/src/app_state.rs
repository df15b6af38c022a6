//! What the shell keeps between commands: the engine's stores, and the batches running in
//! the background (they outlive the window).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use mailferry::batch::{
    BatchSecrets, BatchStore, BatchUpdate, ProgressHub, RunMode, SecretMode, StopToken,
};
use mailferry::state::State;

use crate::error::{explain, AppResult};

pub struct RunningBatch {
    pub hub: ProgressHub,
    pub stop: StopToken,
}

/// What commands need from the running app (its window, its event bus), captured once at
/// start-up so the commands themselves stay independent of the Tauri runtime type.
pub struct Shell {
    pub spawn_batch: SpawnBatch,
    pub emit_progress: EmitProgress,
    pub hide_window: Action,
    pub quit: Action,
}

pub type Action = Box<dyn Fn() + Send + Sync>;
pub type SpawnBatch = Box<dyn Fn(&str, RunMode) + Send + Sync>;
pub type EmitProgress = Box<dyn Fn(BatchUpdate) + Send + Sync>;

pub struct AppState {
    pub store: BatchStore,
    pub secrets: Mutex<BatchSecrets>,
    pub running: Mutex<HashMap<String, RunningBatch>>,
    pub shell: OnceLock<Shell>,
    /// Set in demo mode: what the wizard starts filled in with.
    pub demo: Option<crate::demo::DemoSetup>,
    /// Device-code sign-ins shown in the window and not finished yet, by their number.
    pub device_sign_ins: Mutex<HashMap<u32, mailferry::oauth::DeviceCodeSignIn>>,
}

impl AppState {
    pub fn open(dir: PathBuf) -> AppResult<AppState> {
        let state = State::open(&dir).map_err(explain)?;
        let store = BatchStore::new(state).map_err(explain)?;
        Ok(AppState {
            store,
            secrets: Mutex::new(BatchSecrets::new(SecretMode::Keyring)),
            running: Mutex::new(HashMap::new()),
            shell: OnceLock::new(),
            demo: None,
            device_sign_ins: Mutex::new(HashMap::new()),
        })
    }

    pub fn secrets(&self) -> BatchSecrets {
        self.secrets
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|_| BatchSecrets::new(SecretMode::Memory))
    }

    pub fn is_running(&self, name: &str) -> bool {
        self.running
            .lock()
            .map(|r| r.contains_key(name))
            .unwrap_or(false)
    }

    pub fn spawn_batch(&self, name: &str, mode: RunMode) {
        if let Some(shell) = self.shell.get() {
            (shell.spawn_batch)(name, mode);
        }
    }

    pub fn emit_progress(&self, update: BatchUpdate) {
        if let Some(shell) = self.shell.get() {
            (shell.emit_progress)(update);
        }
    }

    pub fn any_running(&self) -> bool {
        self.running.lock().map(|r| !r.is_empty()).unwrap_or(false)
    }
}

/// Where the app keeps its database: the same folder the command line uses, so both see
/// the same batches.
pub fn default_dir() -> PathBuf {
    std::env::var_os("MAILFERRY_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("Mailferry")
        })
}
