//! `helio`: the Helio service and its operator commands.
#![forbid(unsafe_code)]

mod audit;
mod audit_export;
mod backup;
mod cli;
mod config;
mod keys;
mod migrate;
mod output;
mod partners;
mod rotate;
mod serve;
mod staff;
mod telemetry;

use std::process::ExitCode;

use helio_core::security_event::{EventName, SecurityEvent};

use clap::Parser as _;

use crate::cli::{
    AuditCommand, Cli, Command, ConfigCommand, KeysCommand, SessionsCommand, StaffCommand,
};
use crate::config::{Problem, Report, Settings};

/// Exit code for a configuration Helio refuses to run with.
const EXIT_CONFIG: u8 = 2;
/// Exit code for a failure while running.
const EXIT_RUNTIME: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let scope = match cli.command {
        Command::Migrate | Command::Backup { .. } | Command::Restore { .. } => {
            config::Scope::Database
        }
        Command::Serve { .. }
        | Command::Config(_)
        | Command::Staff(_)
        | Command::Sessions(_)
        | Command::Partners(_)
        | Command::Keys(_)
        | Command::Audit(_) => config::Scope::Everything,
    };
    let settings = match read_settings(&cli, scope) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    match cli.command {
        Command::Keys(KeysCommand::Rotate { resume, batch_size }) => {
            run(settings, move |settings| {
                rotate::rotate(settings, resume, batch_size)
            })
        }
        Command::Keys(KeysCommand::Retire) => run(settings, rotate::retire),
        Command::Keys(KeysCommand::RotateKek { new_kek_dir }) => run(settings, move |settings| {
            rotate::rotate_kek(settings, new_kek_dir)
        }),
        Command::Staff(StaffCommand::Create { email, name, role }) => {
            run(settings, move |settings| {
                staff::create(settings, email, name, role)
            })
        }
        Command::Staff(StaffCommand::SetRole { email, role }) => run(settings, move |settings| {
            staff::set_role(settings, email, role)
        }),
        Command::Sessions(SessionsCommand::EndAll { email, reason }) => {
            run(settings, move |settings| {
                staff::end_sessions(settings, email, reason)
            })
        }
        Command::Partners(command) => {
            run(settings, move |settings| partners::run(settings, command))
        }
        Command::Audit(AuditCommand::Verify) => run(settings, audit::verify),
        Command::Audit(AuditCommand::Checkpoint) => run(settings, audit::checkpoint),
        Command::Audit(AuditCommand::PublicKey) => run(settings, audit::public_key),
        Command::Audit(AuditCommand::Export { since, output }) => run(settings, move |settings| {
            audit_export::export(settings, since, output)
        }),
        Command::Audit(AuditCommand::VerifyExport { public_key, file }) => {
            match audit_export::verify_export(&public_key, &file) {
                Ok(verified) => {
                    output::out(&verified);
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    output::err(&format!("helio: export refused: {error}"));
                    ExitCode::from(EXIT_RUNTIME)
                }
            }
        }
        Command::Config(ConfigCommand::Check) => {
            output::out(&Report::new(&settings).to_string());
            output::err("configuration is valid");
            ExitCode::SUCCESS
        }
        Command::Serve { demo } => run(settings, move |settings| serve::serve(settings, demo)),
        Command::Migrate => run(settings, migrate::migrate),
        Command::Backup { output } => {
            run(settings, move |settings| backup::backup(settings, output))
        }
        Command::Restore { input } => {
            run(settings, move |settings| backup::restore(settings, input))
        }
    }
}

fn read_settings(cli: &Cli, scope: config::Scope) -> Result<Settings, ExitCode> {
    let raw = config::load(&cli.config_path(), cli.config.is_some()).map_err(|error| {
        output::err(&format!("helio: cannot read the configuration: {error}"));
        ExitCode::from(EXIT_CONFIG)
    })?;
    if matches!(cli.command, Command::Serve { demo: true }) && raw.mode == config::Mode::Production
    {
        output::err(
            "helio: refusing to start: --demo is for dev mode only (it creates accounts whose passwords it prints)",
        );
        log_refusal("demo_in_production", 1);
        return Err(ExitCode::from(EXIT_CONFIG));
    }
    config::validate(raw, scope).map_err(|problems| {
        report_problems(&problems);
        log_refusal(
            "invalid_settings",
            u64::try_from(problems.len()).unwrap_or(u64::MAX),
        );
        ExitCode::from(EXIT_CONFIG)
    })
}

/// The refusal as a security event on the JSON log, for the cluster's alerting: a pod that
/// will not start on its configuration is someone's change to look at. There is no store yet
/// (the database settings may be what was refused), so it is logged only; the problems
/// themselves go to stderr, for the operator.
fn log_refusal(reason: &'static str, problems: u64) {
    if telemetry::init("info").is_ok() {
        helio_web::services::security_log::log_only(
            &SecurityEvent::bare(EventName::ConfigurationRefused)
                .because(reason)
                .counting(problems),
        );
    }
}

fn report_problems(problems: &[Problem]) {
    let mut text = format!(
        "helio: refusing to start; {} configuration problem(s):",
        problems.len()
    );
    for problem in problems {
        text.push_str("\n  - ");
        text.push_str(&problem.to_string());
    }
    output::err(&text);
}

fn run<F, Fut>(settings: Settings, command: F) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    if let Err(error) = telemetry::init(&settings.log_level) {
        output::err(&format!("helio: cannot start logging: {error}"));
        return ExitCode::from(EXIT_RUNTIME);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    match runtime.block_on(command(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "helio stopped with an error");
            output::err(&format!("helio: {error:#}"));
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}
