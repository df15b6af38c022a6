//! What the shell keeps between commands: the engine's stores, and the batches running in
//! the background (they outlive the window).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use mailferry::batch::{BatchSecrets, BatchStore, RunMode, SecretMode, Supervisor};
use mailferry::state::State;

use crate::error::{explain, AppResult};

/// What commands need from the running app (its window), captured once at start-up so the
/// commands themselves stay independent of the Tauri runtime type.
pub struct Shell {
    pub hide_window: Action,
    pub quit: Action,
}

pub type Action = Box<dyn Fn() + Send + Sync>;

pub struct AppState {
    pub store: BatchStore,
    pub secrets: Mutex<BatchSecrets>,
    /// The batches running in the background, one runner each; their progress goes to the
    /// window (see `events::install_shell`).
    pub supervisor: Arc<Supervisor>,
    pub shell: OnceLock<Shell>,
    /// Set in demo mode: what the wizard starts filled in with.
    pub demo: Option<crate::demo::DemoSetup>,
    /// Device-code sign-ins shown in the window and not finished yet, by their number.
    pub device_sign_ins: Mutex<HashMap<u32, mailferry::oauth::DeviceCodeSignIn>>,
    /// Reports this app wrote where the owner chose: the only files the window may ask to
    /// open or show in their folder.
    pub saved_reports: Mutex<std::collections::HashSet<PathBuf>>,
}

impl AppState {
    pub fn open(dir: PathBuf) -> AppResult<AppState> {
        let state = State::open(&dir).map_err(explain)?;
        let store = BatchStore::new(state).map_err(explain)?;
        let supervisor = Supervisor::new(
            store.clone(),
            Box::new(|future| {
                tauri::async_runtime::spawn(future);
            }),
        );
        // A batch left running through the domain switch notices it by itself.
        supervisor.watch_domains(mailferry::batch::domain_watch::DnsChoice::FromEnvironment);
        Ok(AppState {
            store,
            secrets: Mutex::new(BatchSecrets::new(SecretMode::Keyring)),
            supervisor,
            shell: OnceLock::new(),
            demo: None,
            device_sign_ins: Mutex::new(HashMap::new()),
            saved_reports: Mutex::new(std::collections::HashSet::new()),
        })
    }

    pub fn secrets(&self) -> BatchSecrets {
        self.secrets
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|_| BatchSecrets::new(SecretMode::Memory))
    }

    /// Runs the batch in the background (or has its runner look for queued users again).
    pub fn run_batch(&self, name: &str, mode: RunMode) {
        self.supervisor.start(name, self.secrets(), mode);
    }

    pub fn any_running(&self) -> bool {
        !self.supervisor.running().is_empty()
    }
}

/// Where the app keeps its database: the same folder the command line uses, so both see
/// the same batches.
pub fn default_dir() -> PathBuf {
    mailferry::app::data_folder::data_folder()
}
