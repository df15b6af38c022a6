//! Keyring work off the window's thread: the OS keyring may block on an unlock prompt.

use mailferry::error::Classify;

use crate::error::{explain, AppError, AppResult};

pub async fn keyring<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> AppResult<T>
where
    T: Send + 'static,
    E: Classify + std::fmt::Display + Send + 'static,
{
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| {
            AppError::local(
                format!("the keyring check stopped: {e}"),
                "Restart Mailferry.",
            )
        })?
        .map_err(explain)
}
