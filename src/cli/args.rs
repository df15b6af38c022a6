use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "mailferry",
    version,
    about = "Moves email from one IMAP mailbox to another (Microsoft 365, Gmail, any IMAP server), byte for byte."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Copy everything in the source mailbox into the destination; run again to copy only what changed.
    Migrate(MigrateArgs),
    /// Dry run: show the folder mapping, message counts and sizes; copies nothing.
    Plan(MigrateArgs),
    /// Compare source and destination folder by folder and print the differences.
    Verify(MigrateArgs),
    /// Migrate many mailboxes: batches from Microsoft's CSV, with live statuses and reports.
    Batch {
        #[command(subcommand)]
        action: BatchAction,
    },
    /// Switching the domain to Microsoft 365: check its MX, SPF and Autodiscover records.
    Cutover {
        #[command(subcommand)]
        action: CutoverAction,
    },
    /// Store a password in the system keyring for a server address.
    Password {
        #[command(subcommand)]
        action: PasswordAction,
    },
    /// Sign in with Microsoft or Google (OAuth 2.0); the sign-in is kept in the system keyring.
    Login {
        #[command(subcommand)]
        action: LoginAction,
    },
    /// Forget a stored sign-in (removes it from the system keyring).
    Logout(LogoutArgs),
}

#[derive(Subcommand, Debug)]
pub enum CutoverAction {
    /// Look up each domain's MX, SPF and Autodiscover records and say what to change. Exit 0 when every domain is switched with SPF and Autodiscover right, 1 otherwise.
    Check(CutoverCheckArgs),
}

#[derive(Args, Debug, Clone)]
pub struct CutoverCheckArgs {
    /// The domains to check, e.g. contoso.com (the part of the addresses after the @).
    #[arg(value_name = "DOMAIN", required = true)]
    pub domains: Vec<String>,
    /// Ask this DNS server (HOST:PORT) instead of the system's resolver.
    #[arg(long, value_name = "HOST:PORT")]
    pub dns_server: Option<String>,
    /// Print JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// Where the state database lives: it remembers when each domain was first seen switched (default: the system's app-data folder).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum LoginAction {
    /// Sign in with a Microsoft work, school or personal account (Exchange Online, Outlook.com).
    Microsoft(LoginArgs),
    /// Sign in with a Google account (Gmail, Google Workspace).
    Google(LoginArgs),
    /// List the stored sign-ins.
    List {
        /// Print JSON on standard output.
        #[arg(long)]
        json: bool,
    },
    /// List the organisation's users from Microsoft Graph (needs a sign-in made with --with-users).
    Users(UsersArgs),
}

#[derive(Args, Debug, Clone)]
pub struct LoginArgs {
    /// Microsoft: common, organizations, consumers, or your tenant's ID or domain.
    #[arg(long, value_name = "TENANT", default_value = "common")]
    pub tenant: String,
    /// The app's client ID (else MAILFERRY_MS_CLIENT_ID or MAILFERRY_GOOGLE_CLIENT_ID).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Sign in with a code on another device instead of a browser on this computer.
    #[arg(long)]
    pub device_code: bool,
    /// Only print the sign-in address; do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// The account to sign in as (pre-fills the sign-in page).
    #[arg(long, value_name = "EMAIL")]
    pub login_hint: Option<String>,
    /// Microsoft: also allow listing the organisation's users (`mailferry login users`).
    #[arg(long)]
    pub with_users: bool,
    /// Microsoft: sign the app in as itself (client credentials, app-only access to mailboxes).
    #[arg(long)]
    pub client_credentials: bool,
    /// The app's client secret, from this environment variable (client credentials; Google desktop apps).
    #[arg(long, value_name = "VAR", conflicts_with = "certificate")]
    pub client_secret_env: Option<String>,
    /// Client credentials with a certificate instead of a secret: the certificate uploaded to the app registration, PEM (it may hold the private key too).
    #[arg(long, value_name = "FILE", requires = "client_credentials")]
    pub certificate: Option<std::path::PathBuf>,
    /// The certificate's RSA private key, PEM, when it is not in the --certificate file. Kept in the keyring from then on.
    #[arg(long, value_name = "FILE", requires = "certificate")]
    pub private_key: Option<std::path::PathBuf>,
    /// Seconds to wait for the browser or the device code.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    /// Replaces https://login.microsoftonline.com (Microsoft) or the authorize URL (Google); else MAILFERRY_MS_AUTHORITY_URL or MAILFERRY_GOOGLE_AUTH_URL.
    #[arg(long, value_name = "URL")]
    pub authority_url: Option<String>,
    /// Replaces the token URL; else MAILFERRY_MS_TOKEN_URL or MAILFERRY_GOOGLE_TOKEN_URL.
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// Replaces the device code URL (Microsoft); else MAILFERRY_MS_DEVICE_CODE_URL.
    #[arg(long, value_name = "URL")]
    pub device_code_url: Option<String>,
    /// Replaces https://graph.microsoft.com; else MAILFERRY_MS_GRAPH_URL.
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Print the result as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct UsersArgs {
    /// The stored sign-in to ask with, e.g. microsoft:admin@contoso.com.
    #[arg(value_name = "PROVIDER:ACCOUNT")]
    pub sign_in: String,
    /// Write a migration CSV skeleton (EmailAddress,UserName,Password) to this file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Print the users as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct LogoutArgs {
    /// microsoft, google, or microsoft-app (client credentials).
    pub provider: String,
    /// The account (or the tenant, for microsoft-app).
    pub account: String,
}

#[derive(Subcommand, Debug)]
pub enum PasswordAction {
    /// Save the password for URL (asked on the terminal, or read from --from-env).
    Set {
        url: String,
        #[arg(long, value_name = "VAR")]
        from_env: Option<String>,
    },
    /// Remove the stored password for URL.
    Delete { url: String },
}

#[derive(Args, Debug, Clone)]
pub struct MigrateArgs {
    /// Source mailbox: imaps://user@host:port or imap://user@host:port (STARTTLS).
    #[arg(long, value_name = "URL")]
    pub source: String,
    /// Destination mailbox, same form as --source.
    #[arg(long, value_name = "URL")]
    pub dest: String,
    /// Read the source password from this environment variable (else keyring, else prompt).
    #[arg(long, value_name = "VAR")]
    pub source_password_env: Option<String>,
    /// Read the destination password from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub dest_password_env: Option<String>,
    /// Read a ready OAuth2 access token for the source from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub source_token_env: Option<String>,
    /// Read a ready OAuth2 access token for the destination from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub dest_token_env: Option<String>,
    /// Sign in to the source with a stored sign-in (see `mailferry login`), e.g. google:alice@gmail.com.
    #[arg(long, value_name = "PROVIDER:ACCOUNT")]
    pub source_login: Option<String>,
    /// Sign in to the destination with a stored sign-in; an admin's opens the URL's mailbox.
    #[arg(long, value_name = "PROVIDER:ACCOUNT")]
    pub dest_login: Option<String>,
    /// Sign in to the source as the app stored by `login microsoft --client-credentials --tenant TENANT`.
    #[arg(long, value_name = "TENANT")]
    pub source_client_credentials: Option<String>,
    /// Sign in to the destination as the app stored by `login microsoft --client-credentials --tenant TENANT`.
    #[arg(long, value_name = "TENANT")]
    pub dest_client_credentials: Option<String>,
    /// Sign in to the source as ADMIN on behalf of the URL's user (SASL PLAIN authorization).
    #[arg(long, value_name = "ADMIN")]
    pub source_auth_user: Option<String>,
    /// Sign in to the destination as ADMIN on behalf of the URL's user (SASL PLAIN authorization).
    #[arg(long, value_name = "ADMIN")]
    pub dest_auth_user: Option<String>,
    /// Also trust the certificate authorities in this PEM file.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Trust the one server certificate with this SHA-256 fingerprint.
    #[arg(long, value_name = "SHA256")]
    pub pin_cert: Option<String>,
    /// Allow sending a password over an unencrypted connection (only with ?tls=none).
    #[arg(long)]
    pub allow_insecure_auth: bool,
    /// Source folders to leave out; also #Inbox# #SentItems# #DeletedItems# #JunkEmail# #Drafts#. NAME/* leaves out a subtree.
    #[arg(long, value_name = "FOLDER")]
    pub exclude: Vec<String>,
    /// Only migrate the source folders below this one (shared-folder servers); it becomes the inbox.
    #[arg(long, value_name = "FOLDER")]
    pub user_root: Option<String>,
    /// Skip (and report) messages larger than this many bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_message_size: Option<u64>,
    /// Folders copied at the same time, each over its own connections.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub connections: usize,
    /// Where the state database and log live (default: the system's app-data folder).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Seconds to wait for a server before calling it unresponsive.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// When another Mailferry window or command is copying the same mailbox, wait until it
    /// has finished instead of stopping at once.
    #[arg(long)]
    pub wait: bool,
    /// On messages already read, rename the read-receipt request
    /// (Disposition-Notification-To) so that Outlook does not send the receipt again.
    /// Changes those messages' bytes; off by default.
    #[arg(long)]
    pub disarm_read_receipts: bool,
    /// Print the final report as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum BatchAction {
    /// Create a batch from a CSV (EmailAddress,UserName,Password[,UserRoot]).
    Create(Box<BatchCreateArgs>),
    /// List the batches.
    List(BatchCommon),
    /// Show every user's status (a live table on a terminal) and where each domain stands in the switch to the destination.
    Status(BatchStatusArgs),
    /// Pre-flight: sign in for every user, count folders, messages and size, estimate the time.
    Test(BatchStartArgs),
    /// Start (or continue) the batch: incremental passes repeat until it is stopped.
    Start(BatchStartArgs),
    /// Stop every user of the batch.
    Stop(BatchNamed),
    /// Start stopped users again.
    Resume(BatchStartArgs),
    /// Queue failed users for another try.
    Retry(BatchStartArgs),
    /// Run a final pass for every synced user, then close their migration (Completed). Refused while a domain's MX records are not switched or were switched less than 72 hours ago, unless --force.
    Complete(BatchCompleteArgs),
    /// Delete the batch, its progress records and its stored passwords.
    Delete(BatchNamed),
    /// Write the batch's report.
    Report(BatchReportArgs),
}

#[derive(Args, Debug, Clone)]
pub struct BatchCommon {
    /// Where the state database lives (default: the system's app-data folder).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Print JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct BatchNamed {
    pub name: String,
    #[command(flatten)]
    pub common: BatchCommon,
}

#[derive(Args, Debug, Clone)]
pub struct BatchDnsArgs {
    /// Ask this DNS server (HOST:PORT) about the batch's domains instead of the system's resolver.
    #[arg(long, value_name = "HOST:PORT")]
    pub dns_server: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct BatchStatusArgs {
    pub name: String,
    #[command(flatten)]
    pub dns: BatchDnsArgs,
    /// Do not look up the domains' DNS records (only the mailboxes' statuses).
    #[arg(long)]
    pub no_dns: bool,
    #[command(flatten)]
    pub common: BatchCommon,
}

#[derive(Args, Debug, Clone)]
pub struct BatchCompleteArgs {
    #[command(flatten)]
    pub start: BatchStartArgs,
    #[command(flatten)]
    pub dns: BatchDnsArgs,
    /// Complete even though a domain is not switched or its 72 hours have not passed: mail still delivered to the old provider is then lost.
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SecretsArg {
    /// The system keyring (default).
    Keyring,
    /// Only this process's memory (servers without a keyring); passwords are needed again next time.
    Memory,
}

#[derive(Args, Debug, Clone)]
pub struct BatchSecretArgs {
    /// Where passwords are kept.
    #[arg(long, value_enum, default_value_t = SecretsArg::Keyring)]
    pub secrets: SecretsArg,
    /// With --secrets memory: the CSV to read the source passwords from again.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// The destination admin's password, from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub dest_password_env: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct BatchStartArgs {
    pub name: String,
    /// Run one pass for every user, wait until each is Synced or Failed, then exit.
    #[arg(long)]
    pub once: bool,
    /// Print every progress update as one JSON line on standard output (at most ~10 a second).
    #[arg(long)]
    pub progress_json: bool,
    #[command(flatten)]
    pub secrets: BatchSecretArgs,
    #[command(flatten)]
    pub common: BatchCommon,
}

#[derive(Args, Debug, Clone)]
pub struct BatchCreateArgs {
    /// The migration CSV: EmailAddress,UserName,Password and optionally UserRoot.
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    /// A provider (gmail, outlook, yahoo, icloud, aol, microsoft365) or imaps://host:port.
    #[arg(long, value_name = "PRESET|URL")]
    pub source: String,
    /// The destination server, imaps://host:port (each row's EmailAddress is the mailbox).
    #[arg(long, value_name = "URL")]
    pub dest: String,
    /// The batch's name (default: the CSV file's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Sign in to every destination mailbox as this admin.
    #[arg(long, value_name = "ADMIN")]
    pub dest_auth_user: Option<String>,
    /// Sign in to every destination mailbox with this stored sign-in (an admin's, e.g. microsoft:admin@contoso.com), or PROVIDER:* for each user's own (named by EmailAddress, e.g. microsoft:*).
    #[arg(long, value_name = "PROVIDER:ACCOUNT")]
    pub dest_login: Option<String>,
    /// Sign in to every source mailbox with this stored sign-in (an admin's with access to them), or PROVIDER:* for each user's own (named by UserName, e.g. microsoft:*; sign each in with `mailferry login microsoft --login-hint USER`).
    #[arg(long, value_name = "PROVIDER:ACCOUNT")]
    pub source_login: Option<String>,
    /// Sign in to every destination mailbox as the app stored by `login microsoft --client-credentials --tenant TENANT`.
    #[arg(long, value_name = "TENANT")]
    pub dest_client_credentials: Option<String>,
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    #[arg(long, value_name = "SHA256")]
    pub pin_cert: Option<String>,
    #[arg(long)]
    pub allow_insecure_auth: bool,
    /// On messages already read, rename the read-receipt request so that Outlook does not
    /// send the receipt again (changes those messages' bytes).
    #[arg(long)]
    pub disarm_read_receipts: bool,
    #[arg(long, value_name = "FOLDER")]
    pub exclude: Vec<String>,
    #[arg(long, value_name = "BYTES")]
    pub max_message_size: Option<u64>,
    /// Mailboxes migrated at the same time.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_concurrent: usize,
    /// Mailboxes in an incremental pass at the same time.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_concurrent_incremental: usize,
    /// Seconds between incremental passes (default 24 hours).
    #[arg(long, value_name = "SECONDS", default_value_t = 86400)]
    pub incremental_interval: u64,
    /// Folder connections per mailbox (capped by the provider's limit).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub connections: usize,
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Seconds a mailbox waits after a network failure or throttling (doubling each time).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub retry_wait: u64,
    /// Where passwords are kept.
    #[arg(long, value_enum, default_value_t = SecretsArg::Keyring)]
    pub secrets: SecretsArg,
    /// The destination admin's password, from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub dest_password_env: Option<String>,
    #[command(flatten)]
    pub common: BatchCommon,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Csv,
    Html,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct BatchReportArgs {
    pub name: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub common: BatchCommon,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
