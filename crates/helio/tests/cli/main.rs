//! The `helio` binary as an operator runs it.
#![expect(clippy::unwrap_used, reason = "a test fails by panicking")]

mod audit;
mod backup;
mod config_check;
mod serve;

use std::path::Path;
use std::process::{Command, Output};

/// `helio` with a clean environment (no inherited `HELIO_*`), run in `dir`.
fn helio(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_helio"));
    command.current_dir(dir).args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    helio(dir, args, env).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
