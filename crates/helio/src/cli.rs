//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use helio_core::partner::{CompanyId, CrewId};
use helio_core::role::Role;

/// Helio: solar-panel installations, ordered through an app and dispatched to local crews.
#[derive(Debug, Parser)]
#[command(name = "helio", version, about)]
pub(crate) struct Cli {
    /// Configuration file [default: ./helio.toml, if present]. HELIO_* variables override it.
    #[arg(long, global = true, env = "HELIO_CONFIG")]
    pub(crate) config: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    pub(crate) fn config_path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from("helio.toml"))
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the service. In dev mode (the default) this needs no configuration at all.
    Serve {
        /// Seed a demo first (dev mode only): partner crews around Madrid, orders in every
        /// state and one account per role, whose logins are printed once.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations with the migration user, then exit.
    Migrate,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Act on an account's sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Manage partner installer companies, their crews and installer invitations.
    #[command(subcommand)]
    Partners(PartnersCommand),
    /// Manage data keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a compressed, encrypted and signed snapshot of the whole database (read-only
    /// database user and the two backup keys are enough).
    Backup {
        /// The file to write; it must not exist (it is created readable by you only).
        #[arg(long)]
        output: PathBuf,
    },
    /// Restore a backup into an empty database (migrated first with the migration URL). A
    /// file that was changed, signed or encrypted by other keys, or taken by another release,
    /// is refused before anything is written.
    Restore {
        /// The backup file.
        #[arg(long)]
        input: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Check the whole hash chain of the audit trail and its signed checkpoints; exit 1 and
    /// name the first bad entry if it was edited, reordered or cut, or if entries have no
    /// place in it.
    Verify,
    /// Sign a checkpoint of the newest entry now (the server also does every 10 minutes).
    Checkpoint,
    /// Write the entries since a day as JSON lines closed by a signed manifest.
    Export {
        /// The first day to include (YYYY-MM-DD, UTC).
        #[arg(long)]
        since: String,
        /// The file to write; it must not exist (it is created readable by you only).
        #[arg(long)]
        output: PathBuf,
    },
    /// Check an export offline, with only the audit key's public half.
    VerifyExport {
        /// The public key, as `helio audit public-key` prints it.
        #[arg(long)]
        public_key: String,
        /// The export file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Print the audit key's public half (base64), for checking exports elsewhere.
    PublicKey,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SessionsCommand {
    /// End every session (browsers and apps) of an account at once, for a reason that goes to
    /// the security log; the owner sees it in their security activity.
    EndAll {
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// Why (one line, up to 200 characters), e.g. the support ticket.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PartnersCommand {
    /// Add a partner installer company; prints its ID.
    AddCompany {
        /// The company's name.
        #[arg(long)]
        name: String,
    },
    /// Add a crew to a company; prints its ID.
    AddCrew {
        /// The company's ID.
        #[arg(long, value_parser = parse_company)]
        company: CompanyId,
        /// The crew's name.
        #[arg(long)]
        name: String,
    },
    /// List every crew: company ID, company, crew ID, crew (tab-separated).
    List,
    /// Invite an installer into a crew: the one-time link goes to their mailbox, never here.
    InviteInstaller {
        /// The crew's ID.
        #[arg(long, value_parser = parse_crew)]
        crew: CrewId,
        /// The installer's email address.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
    },
}

fn parse_company(text: &str) -> Result<CompanyId, String> {
    CompanyId::parse(text).ok_or_else(|| "not a company ID (see `helio partners list`)".to_owned())
}

fn parse_crew(text: &str) -> Result<CrewId, String> {
    CrewId::parse(text).ok_or_else(|| "not a crew ID (see `helio partners list`)".to_owned())
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Create a new data key version and re-encrypt all personal data under it, in batches,
    /// while the service runs.
    Rotate {
        /// Finish an interrupted rotation without creating another version.
        #[arg(long)]
        resume: bool,
        /// Rows per table per batch.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        batch_size: u32,
    },
    /// Delete data key versions older than the newest, once a rotation has finished and the
    /// newest version is ten minutes old. Backups are unaffected: each holds its own wrapped
    /// copy of the data keys.
    Retire,
    /// Re-wrap every data key under a new key-encryption key, all or none. Then put the new
    /// kek.key in keys.dir and restart every replica; keep the old one while backups taken
    /// before now are kept.
    RotateKek {
        /// A directory holding the new key as kek.key (32 random bytes in base64, mode 0600).
        #[arg(long)]
        new_kek_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum StaffCommand {
    /// Create a staff account and print its one-time invitation link (never a password).
    Create {
        /// The staff member's email address.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// support, sales, engineer or admin.
        #[arg(long, value_parser = parse_staff_role)]
        role: Role,
    },
    /// Give a staff member another staff role. Every session of the account ends at once, so
    /// the new role applies from its next login.
    SetRole {
        /// The staff member's email address.
        #[arg(long)]
        email: String,
        /// support, sales, engineer or admin.
        #[arg(long, value_parser = parse_staff_role)]
        role: Role,
    },
}

fn parse_staff_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .filter(|role| role.is_staff())
        .ok_or_else(|| "the role must be support, sales, engineer or admin".to_owned())
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the effective configuration with every secret redacted; exit 2 if it is invalid.
    Check,
}
