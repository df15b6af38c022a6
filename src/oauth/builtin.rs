//! An app registration built into a distributed build, so that its users sign in with no
//! setup at all: whoever builds the installers sets `MAILFERRY_BUILTIN_MS_CLIENT_ID` (and,
//! for Gmail, `MAILFERRY_BUILTIN_GOOGLE_CLIENT_ID` with `MAILFERRY_BUILTIN_GOOGLE_CLIENT_SECRET`)
//! in the build's environment. Read at compile time: cargo rebuilds when they change.
//!
//! Which ID a sign-in uses, first found wins: the one given explicitly (the command line,
//! or what the owner pasted in the window), then the `MAILFERRY_MS_CLIENT_ID` /
//! `MAILFERRY_GOOGLE_CLIENT_ID` environment variables (an organisation's own registration
//! replaces the distributor's), then the built-in one.

use serde::Serialize;

use super::provider::ProviderKind;
use crate::secrets::SecretString;

/// The build-time variable holding the distributor's Entra ID application (client) ID.
pub const BUILTIN_MS_CLIENT_ID_VAR: &str = "MAILFERRY_BUILTIN_MS_CLIENT_ID";
/// The build-time variable holding the distributor's Google OAuth client ID.
pub const BUILTIN_GOOGLE_CLIENT_ID_VAR: &str = "MAILFERRY_BUILTIN_GOOGLE_CLIENT_ID";

/// Where a sign-in's client ID came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientIdOrigin {
    /// Given for this sign-in (a flag, or pasted in the window).
    Given,
    /// The `MAILFERRY_*_CLIENT_ID` environment variable.
    Environment,
    /// Compiled into this build by its distributor.
    BuiltIn,
}

/// The client ID compiled into this build for `kind`, if its distributor set one.
pub fn builtin_client_id(kind: ProviderKind) -> Option<&'static str> {
    let value = match kind {
        ProviderKind::Microsoft => option_env!("MAILFERRY_BUILTIN_MS_CLIENT_ID"),
        ProviderKind::Google => option_env!("MAILFERRY_BUILTIN_GOOGLE_CLIENT_ID"),
    };
    value.map(str::trim).filter(|id| !id.is_empty())
}

/// The secret Google hands a Desktop app client (not confidential in an installed app, but
/// its token endpoint insists on it), compiled in next to the built-in Google client ID.
pub fn builtin_google_client_secret() -> Option<SecretString> {
    option_env!("MAILFERRY_BUILTIN_GOOGLE_CLIENT_SECRET")
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .map(|secret| SecretString::new(secret.to_string()))
}

/// The client ID a sign-in for `kind` uses: `given`, else the environment, else the
/// built-in one; `None` when the owner still has to register an app.
pub fn resolve_client_id(
    kind: ProviderKind,
    given: Option<&str>,
) -> Option<(String, ClientIdOrigin)> {
    resolve_client_id_from(
        kind,
        given,
        |name| std::env::var(name).ok(),
        builtin_client_id(kind),
    )
}

/// [`resolve_client_id`] with the environment and the built-in ID passed in, for tests.
pub fn resolve_client_id_from(
    kind: ProviderKind,
    given: Option<&str>,
    lookup: impl Fn(&str) -> Option<String>,
    builtin: Option<&str>,
) -> Option<(String, ClientIdOrigin)> {
    let usable = |value: &str| {
        let value = value.trim();
        (!value.is_empty()).then(|| value.to_string())
    };
    given
        .and_then(usable)
        .map(|id| (id, ClientIdOrigin::Given))
        .or_else(|| {
            lookup(kind.client_id_env())
                .as_deref()
                .and_then(usable)
                .map(|id| (id, ClientIdOrigin::Environment))
        })
        .or_else(|| {
            builtin
                .and_then(usable)
                .map(|id| (id, ClientIdOrigin::BuiltIn))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT: &str = "11111111-2222-4333-8444-555555555555";

    #[test]
    fn given_wins_then_environment_then_built_in() {
        let env = |name: &str| {
            (name == "MAILFERRY_MS_CLIENT_ID")
                .then(|| "22222222-2222-4222-8222-222222222222".to_string())
        };
        let none = |_: &str| None;
        let ms = ProviderKind::Microsoft;
        assert_eq!(
            resolve_client_id_from(ms, Some(" given "), env, Some(BUILT)),
            Some(("given".into(), ClientIdOrigin::Given))
        );
        assert_eq!(
            resolve_client_id_from(ms, Some("  "), env, Some(BUILT)),
            Some((
                "22222222-2222-4222-8222-222222222222".into(),
                ClientIdOrigin::Environment
            ))
        );
        assert_eq!(
            resolve_client_id_from(ms, None, none, Some(BUILT)),
            Some((BUILT.into(), ClientIdOrigin::BuiltIn))
        );
        // Google reads its own variable, not Microsoft's.
        assert_eq!(
            resolve_client_id_from(ProviderKind::Google, None, env, None),
            None
        );
        assert_eq!(resolve_client_id_from(ms, None, none, Some(" ")), None);
    }
}
