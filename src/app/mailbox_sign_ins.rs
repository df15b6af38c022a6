//! Which sign-ins the mailboxes of a batch use, and which of them are still to be made. One
//! rule for the batch being created (who is still to sign in), the window's list of people
//! who have not signed in yet, and the sign-in offered beside a mailbox whose sign-in was
//! refused.

use crate::batch::{is_per_user, sign_in_reference_for, BatchOptions, SignInSide};
use crate::oauth::{ProviderKind, SignInInfo, SignInRef};

/// One sign-in one mailbox of a batch uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxSignIn {
    pub email_address: String,
    pub side: SignInSide,
    /// Whose sign-in it is: the row's login on the old server or its new mailbox when each
    /// person signs in, otherwise the one account or app the whole batch uses.
    pub reference: SignInRef,
    /// Each person signs in for their own mailbox (the batch says `provider:*`).
    pub own: bool,
    /// The sign-in stored under that name, if there is one.
    pub stored: Option<SignInInfo>,
}

impl MailboxSignIn {
    /// A person can sign in (again) for this mailbox; an app's own sign-in is made by the
    /// administrator with the app's secret, never from a mailbox.
    pub fn person_can_sign_in(&self) -> bool {
        !self.reference.app
    }
}

/// A batch mailbox: its login on the old server and its address on the new one.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub user_name: &'a str,
    pub email_address: &'a str,
}

/// Whether a sign-in of that name is among `stored`.
pub fn stored_in(stored: &[SignInInfo]) -> impl Fn(&str) -> bool + '_ {
    move |name| stored.iter().any(|info| info.name == name)
}

/// Every sign-in each mailbox uses, source first, with what is stored for it.
pub fn of_batch(
    options: &BatchOptions,
    rows: &[Row<'_>],
    stored: &[SignInInfo],
) -> Vec<MailboxSignIn> {
    let sides = [
        (SignInSide::Source, &options.source_sign_in),
        (SignInSide::Destination, &options.destination_sign_in),
    ];
    let mut all = Vec::new();
    for row in rows {
        let email = row.email_address.trim();
        for (side, option) in sides {
            let Some(option) = option else { continue };
            // A name that no longer parses was refused when the batch was made; its run
            // reports it. Nothing to sign in to here.
            let Ok(reference) = sign_in_reference_for(option, side, row.user_name.trim(), email)
            else {
                continue;
            };
            let name = reference.to_string();
            all.push(MailboxSignIn {
                email_address: email.to_string(),
                side,
                own: is_per_user(option),
                stored: stored.iter().find(|info| info.name == name).cloned(),
                reference,
            });
        }
    }
    all
}

/// The mailboxes whose own sign-in is still to be made, each once, in the rows' order: they
/// cannot be copied until that person signs in. `is_stored` answers for a sign-in's name.
pub fn awaiting(sign_ins: &[MailboxSignIn], is_stored: impl Fn(&str) -> bool) -> Vec<String> {
    let mut emails: Vec<String> = Vec::new();
    for sign_in in sign_ins
        .iter()
        .filter(|s| s.own && !is_stored(&s.reference.to_string()))
    {
        if !emails.contains(&sign_in.email_address) {
            emails.push(sign_in.email_address.clone());
        }
    }
    emails
}

/// The app registration a sign-in is made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub client_id: String,
    /// Microsoft's authority: a tenant, `common`, `organizations` or `consumers`.
    pub tenant: Option<String>,
}

/// The registration to sign in with: the one this sign-in was made with before; otherwise
/// the one the batch's other people signed in with on that side (the same app registration,
/// the same tenant); otherwise the app's own (built in or configured), `None` when there is
/// none. `personal_accounts` says the old mailboxes are Outlook.com/Hotmail ones, which
/// Microsoft serves under `consumers` only.
pub fn registration(
    sign_in: &MailboxSignIn,
    batch: &[MailboxSignIn],
    configured: impl Fn(ProviderKind) -> Option<String>,
    personal_accounts: bool,
) -> Option<Registration> {
    let from = |info: &SignInInfo| Registration {
        client_id: info.client_id.clone(),
        tenant: info.tenant.clone(),
    };
    if let Some(info) = &sign_in.stored {
        return Some(from(info));
    }
    let provider = sign_in.reference.provider;
    if let Some(info) = batch
        .iter()
        .filter(|other| other.side == sign_in.side && !other.reference.app)
        .filter_map(|other| other.stored.as_ref())
        .find(|info| info.provider == provider)
    {
        return Some(from(info));
    }
    let tenant = match (provider, sign_in.side) {
        (ProviderKind::Google, _) => None,
        (ProviderKind::Microsoft, SignInSide::Source) if personal_accounts => {
            Some("consumers".to_string())
        }
        (ProviderKind::Microsoft, SignInSide::Source) => Some("common".to_string()),
        (ProviderKind::Microsoft, SignInSide::Destination) => Some("organizations".to_string()),
    };
    configured(provider).map(|client_id| Registration { client_id, tenant })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(source: Option<&str>, destination: Option<&str>) -> BatchOptions {
        BatchOptions {
            source_sign_in: source.map(str::to_string),
            destination_sign_in: destination.map(str::to_string),
            ..BatchOptions::default()
        }
    }

    fn info(name: &str, client_id: &str, tenant: Option<&str>) -> SignInInfo {
        let reference = SignInRef::parse(name).expect("a sign-in name");
        SignInInfo {
            name: reference.to_string(),
            provider: reference.provider,
            account: reference.account.clone(),
            app: reference.app,
            tenant: tenant.map(str::to_string),
            client_id: client_id.to_string(),
            certificate_thumbprint: None,
            stored_at: 0,
        }
    }

    const ANNA: Row = Row {
        user_name: "anna@gmail.com",
        email_address: "anna@contoso.com",
    };
    const BEN: Row = Row {
        user_name: "ben@gmail.com",
        email_address: "ben@contoso.com",
    };

    #[test]
    fn each_person_s_own_sign_in_is_named_by_their_login_on_the_old_server() {
        let all = of_batch(&options(Some("google:*"), None), &[ANNA, BEN], &[]);
        let names: Vec<String> = all.iter().map(|s| s.reference.to_string()).collect();
        assert_eq!(names, ["google:anna@gmail.com", "google:ben@gmail.com"]);
        assert!(all.iter().all(|s| s.own && s.side == SignInSide::Source));
        assert_eq!(
            awaiting(&all, stored_in(&[])),
            ["anna@contoso.com", "ben@contoso.com"]
        );
    }

    #[test]
    fn a_stored_sign_in_is_no_longer_awaited() {
        let stored = [info("google:ben@gmail.com", "client-1", None)];
        let all = of_batch(&options(Some("google:*"), None), &[ANNA, BEN], &stored);
        assert_eq!(awaiting(&all, stored_in(&stored)), ["anna@contoso.com"]);
        assert_eq!(
            all[1].stored.as_ref().map(|i| i.client_id.as_str()),
            Some("client-1")
        );
    }

    #[test]
    fn on_the_new_server_the_mailbox_names_the_sign_in_and_a_mailbox_is_listed_once() {
        let all = of_batch(
            &options(Some("google:*"), Some("microsoft:*")),
            &[ANNA],
            &[],
        );
        let names: Vec<String> = all.iter().map(|s| s.reference.to_string()).collect();
        assert_eq!(
            names,
            ["google:anna@gmail.com", "microsoft:anna@contoso.com"]
        );
        assert_eq!(awaiting(&all, stored_in(&[])), ["anna@contoso.com"]);
    }

    #[test]
    fn the_batch_s_one_administrator_or_app_sign_in_is_never_awaited() {
        let all = of_batch(
            &options(None, Some("microsoft-app:contoso.onmicrosoft.com")),
            &[ANNA],
            &[],
        );
        assert_eq!(all.len(), 1);
        assert!(!all[0].own);
        assert!(!all[0].person_can_sign_in());
        assert!(awaiting(&all, stored_in(&[])).is_empty());

        let admin = of_batch(
            &options(None, Some("microsoft:admin@contoso.com")),
            &[ANNA],
            &[],
        );
        assert!(admin[0].person_can_sign_in());
        assert!(awaiting(&admin, stored_in(&[])).is_empty());
    }

    #[test]
    fn passwords_need_no_sign_in() {
        assert!(of_batch(&options(None, None), &[ANNA, BEN], &[]).is_empty());
    }

    #[test]
    fn a_sign_in_is_made_again_with_the_registration_it_was_made_with() {
        let stored = [info(
            "microsoft:anna@outlook.com",
            "client-a",
            Some("consumers"),
        )];
        let rows = [Row {
            user_name: "anna@outlook.com",
            email_address: "anna@contoso.com",
        }];
        let all = of_batch(&options(Some("microsoft:*"), None), &rows, &stored);
        let found = registration(&all[0], &all, |_| Some("built-in".into()), true);
        assert_eq!(
            found,
            Some(Registration {
                client_id: "client-a".into(),
                tenant: Some("consumers".into())
            })
        );
    }

    #[test]
    fn a_first_sign_in_uses_the_registration_the_others_on_that_side_used() {
        let stored = [
            info("google:ben@gmail.com", "client-b", None),
            // On the other side: not the registration the old mailboxes use.
            info(
                "microsoft:ben@contoso.com",
                "client-m",
                Some("organizations"),
            ),
        ];
        let all = of_batch(
            &options(Some("google:*"), Some("microsoft:*")),
            &[ANNA, BEN],
            &stored,
        );
        let anna_source = &all[0];
        assert!(anna_source.stored.is_none());
        let found = registration(anna_source, &all, |_| Some("built-in".into()), false);
        assert_eq!(found.map(|r| r.client_id), Some("client-b".to_string()));
    }

    #[test]
    fn with_nobody_signed_in_the_app_s_own_registration_and_the_right_authority_are_used() {
        let rows = [Row {
            user_name: "anna@hotmail.com",
            email_address: "anna@contoso.com",
        }];
        let all = of_batch(
            &options(Some("microsoft:*"), Some("microsoft:*")),
            &rows,
            &[],
        );
        let configured =
            |p: ProviderKind| (p == ProviderKind::Microsoft).then(|| "ms-id".to_string());
        let source = registration(&all[0], &all, configured, true).expect("a registration");
        assert_eq!(source.tenant.as_deref(), Some("consumers"));
        let source = registration(&all[0], &all, configured, false).expect("a registration");
        assert_eq!(source.tenant.as_deref(), Some("common"));
        let destination = registration(&all[1], &all, configured, true).expect("a registration");
        assert_eq!(destination.tenant.as_deref(), Some("organizations"));

        let gmail = of_batch(&options(Some("google:*"), None), &[ANNA], &[]);
        assert_eq!(registration(&gmail[0], &gmail, configured, false), None);
    }
}
