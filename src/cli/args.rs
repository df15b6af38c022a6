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
    /// Store a password in the system keyring for a server address.
    Password {
        #[command(subcommand)]
        action: PasswordAction,
    },
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
    /// Print the final report as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}
