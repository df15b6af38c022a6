//! The stored sign-ins a batch names, resolved for one user.
//!
//! A batch option holds either one sign-in for every mailbox (an admin's, or the app's own:
//! `microsoft:admin@contoso.com`) or `PROVIDER:*`, "each user's own sign-in": on the source
//! that is `PROVIDER:<the row's UserName>`, on the destination `PROVIDER:<its EmailAddress>`.
//! Per-user sign-ins are looked up when the user's pass starts, so people can sign in while
//! the batch already runs, and one person who has not signed in fails alone.

use crate::error::{Classify, Problem};
use crate::oauth::{OAuthError, Purpose, SignInRef, TokenSource};

/// The account part that stands for "each user's own".
pub const EACH_USER: &str = "*";

/// Which server of the batch a sign-in is for; it decides which column names the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInSide {
    /// Named by the row's UserName (the login on the old server).
    Source,
    /// Named by the row's EmailAddress (the mailbox on the new server).
    Destination,
}

/// Whether an option value means "each user's own sign-in" (`microsoft:*`).
pub fn is_per_user(name: &str) -> bool {
    name.split_once(':')
        .is_some_and(|(_, account)| account.trim() == EACH_USER)
}

/// Checks an option value as typed on `batch create` and gives it its canonical spelling
/// (`Outlook:*` becomes `microsoft:*`). A per-user value is not looked up: the people
/// may sign in later. App sign-ins are the app's own, never a user's, so `microsoft-app:*`
/// is refused.
pub fn normalize(name: &str) -> Result<String, Problem> {
    let reference = SignInRef::parse(name).map_err(|e| e.problem())?;
    if is_per_user(name) && reference.app {
        return Err(OAuthError::BadReference(name.to_string()).problem());
    }
    Ok(reference.to_string())
}

/// The stored sign-in `option` names for a user whose row says `user_name` (source login)
/// and `email_address` (destination mailbox).
pub fn reference_for(
    option: &str,
    side: SignInSide,
    user_name: &str,
    email_address: &str,
) -> Result<SignInRef, OAuthError> {
    let reference = SignInRef::parse(option)?;
    if !is_per_user(option) {
        return Ok(reference);
    }
    let account = match side {
        SignInSide::Source => user_name,
        SignInSide::Destination => email_address,
    };
    Ok(SignInRef::user(reference.provider, account))
}

/// The token source of the sign-in `option` names for one user. A missing per-user sign-in
/// is that person's to fix, so it is an authentication problem whose hint names the exact
/// sign-in to make.
pub fn user_token_source(
    option: &str,
    side: SignInSide,
    user_name: &str,
    email_address: &str,
) -> Result<TokenSource, Problem> {
    let reference =
        reference_for(option, side, user_name, email_address).map_err(|e| e.problem())?;
    match TokenSource::shared(&reference, Purpose::Imap) {
        Ok(source) => Ok(source),
        Err(OAuthError::NotSignedIn { .. }) if is_per_user(option) => {
            Err(OAuthError::UserNotSignedIn {
                provider: reference.provider,
                account: reference.account,
            }
            .problem())
        }
        Err(e) => Err(e.problem()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{AuthMethod, ErrorKind};
    use crate::oauth::ProviderKind;

    #[test]
    fn a_per_user_name_takes_the_row_column_of_its_side() {
        let source = reference_for(
            "microsoft:*",
            SignInSide::Source,
            "Anna.L@old.example",
            "anna@contoso.com",
        )
        .unwrap();
        assert_eq!(
            source,
            SignInRef::user(ProviderKind::Microsoft, "anna.l@old.example")
        );
        let destination = reference_for(
            "google:*",
            SignInSide::Destination,
            "anna",
            "Anna@Contoso.com",
        )
        .unwrap();
        assert_eq!(destination.to_string(), "google:anna@contoso.com");
        // A shared sign-in stays what it is, whoever the user.
        let shared = reference_for(
            "microsoft:admin@contoso.com",
            SignInSide::Destination,
            "anna",
            "anna@contoso.com",
        )
        .unwrap();
        assert_eq!(shared.account, "admin@contoso.com");
    }

    #[test]
    fn create_checks_the_provider_of_a_per_user_name() {
        assert_eq!(normalize("Outlook:*").unwrap(), "microsoft:*");
        assert_eq!(normalize("gmail: * ").unwrap(), "google:*");
        assert!(is_per_user("google: * "));
        assert!(!is_per_user("microsoft:admin@contoso.com"));
        for bad in ["yahoo:*", "microsoft-app:*", "*", "microsoft:"] {
            let problem = normalize(bad).unwrap_err();
            assert_eq!(problem.kind, ErrorKind::Input, "{bad}");
        }
    }

    #[test]
    fn a_missing_own_sign_in_says_how_to_sign_that_person_in() {
        let problem = OAuthError::UserNotSignedIn {
            provider: ProviderKind::Microsoft,
            account: "anna@contoso.com".into(),
        }
        .problem();
        assert_eq!(problem.kind, ErrorKind::Authentication);
        assert!(problem.message.contains("anna@contoso.com"));
        assert!(
            problem
                .hint
                .contains("Sign anna@contoso.com in with Microsoft"),
            "{}",
            problem.hint
        );
        // Each front end names its own way to sign in; the facts say whose sign-in it is.
        assert!(!problem.hint.contains("--"), "{}", problem.hint);
        let sign_in = problem.facts.sign_in.as_ref().expect("whose sign-in");
        assert_eq!(sign_in.account, "anna@contoso.com");
        assert_eq!(problem.facts.auth_method, Some(AuthMethod::StoredSignIn));
    }
}
