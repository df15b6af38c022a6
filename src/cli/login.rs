//! `mailferry login …` and `mailferry logout`: signing in with Microsoft or Google, the stored
//! sign-ins, and the organisation's users from Microsoft Graph.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use mailferry::error::{Classify, ErrorKind, Problem};
use mailferry::oauth::{
    self, AppCredential, ClientCertificate, Endpoints, OAuthError, ProviderConfig, ProviderKind,
    Purpose, SignInOptions, SignInRef, SignedIn, TokenSource,
};
use mailferry::secrets::{SecretError, SecretString};

use super::args::{LoginAction, LoginArgs, LogoutArgs, UsersArgs};

pub async fn run(action: LoginAction) -> ExitCode {
    let (result, json) = match action {
        LoginAction::Microsoft(args) => {
            let json = args.json;
            (login(ProviderKind::Microsoft, args).await, json)
        }
        LoginAction::Google(args) => {
            let json = args.json;
            (login(ProviderKind::Google, args).await, json)
        }
        LoginAction::List { json } => (list(json), json),
        LoginAction::Users(args) => {
            let json = args.json;
            (users(args).await, json)
        }
    };
    finish(result, json)
}

pub fn logout(args: LogoutArgs) -> ExitCode {
    let result = SignInRef::parse(&format!("{}:{}", args.provider, args.account))
        .and_then(|reference| {
            let existed = oauth::forget_sign_in(&reference)?;
            if existed {
                println!("Forgot the sign-in {reference}.");
            } else {
                println!("There was no stored sign-in {reference}.");
            }
            Ok(())
        })
        .map_err(|e| e.problem());
    finish(result, false)
}

fn finish(result: Result<(), Problem>, json: bool) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => super::commands::fail_by_kind(&problem, json),
    }
}

/// The provider's settings from the command line and the environment.
fn provider_config(kind: ProviderKind, args: &LoginArgs) -> Result<ProviderConfig, OAuthError> {
    // The flag, else the environment, else the registration built into this build.
    let (client_id, _) = oauth::resolve_client_id(kind, args.client_id.as_deref())
        .ok_or(OAuthError::NoClientId { provider: kind })?;
    // A flag wins; the environment (MAILFERRY_MS_* / MAILFERRY_GOOGLE_*) fills in the rest.
    let endpoints = Endpoints {
        authority_url: args.authority_url.clone(),
        token_url: args.token_url.clone(),
        device_code_url: args.device_code_url.clone(),
        graph_url: args.graph_url.clone(),
    }
    .or(Endpoints::from_env(kind));
    Ok(match kind {
        ProviderKind::Microsoft => {
            ProviderConfig::microsoft(&args.tenant, &client_id, &endpoints, args.with_users)
        }
        ProviderKind::Google => ProviderConfig::google(&client_id, &endpoints),
    })
}

fn env_secret(var: &str) -> Result<SecretString, Problem> {
    std::env::var(var)
        .map(SecretString::new)
        .map_err(|_| SecretError::EnvMissing(var.to_string()).problem())
}

fn input(message: &str, hint: &str) -> Problem {
    Problem::new(ErrorKind::Input, message, hint)
}

/// Prints a line at once: a test or a person is waiting to read it.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

async fn login(kind: ProviderKind, args: LoginArgs) -> Result<(), Problem> {
    let config = provider_config(kind, &args).map_err(|e| e.problem())?;
    let client_secret = match &args.client_secret_env {
        Some(var) => Some(env_secret(var)?),
        // Google's desktop clients need their (not confidential) secret; a built-in client
        // brings its own.
        None if kind == ProviderKind::Google
            && oauth::builtin_client_id(kind) == Some(config.client_id.as_str()) =>
        {
            oauth::builtin::builtin_google_client_secret()
        }
        None => None,
    };
    let signed_in = if args.client_credentials {
        if kind != ProviderKind::Microsoft {
            return Err(input(
                "--client-credentials is for Microsoft only",
                "Google Workspace app-only access uses service accounts, which Mailferry does not support; sign in as the user instead.",
            ));
        }
        if matches!(
            args.tenant.as_str(),
            "common" | "organizations" | "consumers"
        ) {
            return Err(input(
                "--client-credentials needs your tenant",
                "Pass --tenant with your tenant's ID or domain (e.g. contoso.onmicrosoft.com).",
            ));
        }
        let credential = match (client_secret, &args.certificate) {
            (Some(secret), _) => AppCredential::Secret(secret),
            (None, Some(certificate)) => AppCredential::Certificate(
                ClientCertificate::from_files(certificate, args.private_key.as_deref())
                    .map_err(|e| e.problem())?,
            ),
            (None, None) => {
                return Err(input(
                    "--client-credentials needs the app's client secret or certificate",
                    "Put the secret's Value in an environment variable and pass its name with --client-secret-env, or pass the certificate uploaded to the app registration with --certificate FILE (and --private-key FILE).",
                ))
            }
        };
        oauth::sign_in_app(config, credential)
            .await
            .map_err(|e| e.problem())?
    } else {
        let options = SignInOptions {
            login_hint: args.login_hint.clone(),
            client_secret,
            timeout: Some(Duration::from_secs(args.timeout.max(1))),
        };
        if args.device_code {
            device_code(config, options, &args).await?
        } else {
            browser(config, options, &args).await?
        }
    };
    report(&signed_in, args.json);
    Ok(())
}

async fn browser(
    config: ProviderConfig,
    options: SignInOptions,
    args: &LoginArgs,
) -> Result<SignedIn, Problem> {
    let started = oauth::start_interactive(config, options)
        .await
        .map_err(|e| e.problem())?;
    say("To sign in, open this address in a browser:");
    say(&started.authorize_url);
    if !args.no_browser {
        if let Err(e) = open::that_detached(&started.authorize_url) {
            eprintln!(
                "mailferry: could not open a browser ({e}); open the address above yourself."
            );
        }
    }
    eprintln!(
        "Waiting for the browser (up to {} minutes)…",
        args.timeout.div_ceil(60)
    );
    started.complete().await.map_err(|e| e.problem())
}

async fn device_code(
    config: ProviderConfig,
    options: SignInOptions,
    args: &LoginArgs,
) -> Result<SignedIn, Problem> {
    let flow = oauth::start_device_code(config, options)
        .await
        .map_err(|e| e.problem())?;
    if let Some(message) = &flow.message {
        say(message);
    }
    say(&format!("Address: {}", flow.verification_uri));
    say(&format!("Code: {}", flow.user_code));
    eprintln!("Waiting for the sign-in to finish…");
    let limit = Duration::from_secs(args.timeout.max(1));
    let user_code = flow.user_code.clone();
    match tokio::time::timeout(limit, flow.wait()).await {
        Ok(result) => result.map_err(|e| e.problem()),
        Err(_) => Err(OAuthError::DeviceCodeExpired { user_code }.problem()),
    }
}

fn report(signed_in: &SignedIn, json: bool) {
    if json {
        say(&serde_json::json!({ "status": "signed_in", "name": signed_in.name, "account": signed_in.account }).to_string());
        return;
    }
    if signed_in.reference.app {
        say(&format!(
            "Signed in as the app for tenant {}. Use it with --dest-client-credentials {} (or --source-client-credentials).",
            signed_in.account, signed_in.account
        ));
    } else {
        say(&format!(
            "Signed in as {}. Use it with --dest-login {} (or --source-login).",
            signed_in.account, signed_in.name
        ));
    }
}

fn list(json: bool) -> Result<(), Problem> {
    let sign_ins = oauth::list_sign_ins().map_err(|e| e.problem())?;
    if json {
        say(&serde_json::to_string(&sign_ins).unwrap_or_else(|_| "[]".into()));
        return Ok(());
    }
    if sign_ins.is_empty() {
        say("No stored sign-ins. Sign in with `mailferry login microsoft` or `mailferry login google`.");
        return Ok(());
    }
    say(&format!("{:<48} {:<28} CLIENT ID", "NAME", "TENANT"));
    for s in sign_ins {
        let certificate = s
            .certificate_thumbprint
            .map(|t| format!("  (certificate {t})"))
            .unwrap_or_default();
        say(&format!(
            "{:<48} {:<28} {}{certificate}",
            s.name,
            s.tenant.as_deref().unwrap_or("—"),
            s.client_id
        ));
    }
    Ok(())
}

async fn users(args: UsersArgs) -> Result<(), Problem> {
    let reference = SignInRef::parse(&args.sign_in).map_err(|e| e.problem())?;
    let source = TokenSource::shared(&reference, Purpose::Graph).map_err(|e| e.problem())?;
    let users = oauth::list_users(&source).await.map_err(|e| e.problem())?;
    if let Some(path) = &args.csv {
        std::fs::write(path, oauth::migration_csv(&users)).map_err(|e| {
            input(
                &format!("cannot write {}: {e}", path.display()),
                "Choose a folder you can write to.",
            )
        })?;
        eprintln!(
            "Wrote {} user(s) to {}. Fill in the Password column (or use --source-login) before `mailferry batch create`.",
            users.len(),
            path.display()
        );
    }
    if args.json {
        say(&serde_json::to_string(&users).unwrap_or_else(|_| "[]".into()));
    } else if args.csv.is_none() {
        for user in &users {
            say(&format!(
                "{:<40} {:<40} {}",
                user.mail.as_deref().unwrap_or("—"),
                user.user_principal_name,
                user.display_name.as_deref().unwrap_or("")
            ));
        }
    }
    Ok(())
}
