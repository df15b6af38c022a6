//! Errors as they cross to the window: the kind, the engine's technical message and neutral
//! hint, and the structured facts the window words its own sentences from.

use mailferry::error::{Classify, Problem};
use serde::Serialize;

use crate::commands::problem_types::{self as window, ErrorKind, Facts};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: String,
    #[serde(default)]
    pub facts: Box<Facts>,
}

impl AppError {
    pub fn input(message: impl Into<String>, hint: impl Into<String>) -> AppError {
        AppError {
            kind: ErrorKind::Input,
            message: message.into(),
            hint: hint.into(),
            facts: Box::default(),
        }
    }

    /// Something on this computer (browser, keyring) rather than the user's input or a server.
    pub fn local(message: impl Into<String>, hint: impl Into<String>) -> AppError {
        AppError {
            kind: ErrorKind::Local,
            message: message.into(),
            hint: hint.into(),
            facts: Box::default(),
        }
    }
}

impl From<Problem> for AppError {
    fn from(p: Problem) -> AppError {
        let window::Problem {
            kind,
            message,
            hint,
            facts,
        } = p.into();
        AppError {
            kind,
            message,
            hint,
            facts,
        }
    }
}

/// Any layer's error, explained.
pub fn explain<E: Classify + std::fmt::Display>(e: E) -> AppError {
    e.problem().into()
}

pub type AppResult<T> = Result<T, AppError>;
