//! The command line's own output, kept apart from the JSON log on stdout: results a command
//! was asked for go to stdout, messages for the person at the terminal go to stderr.

use std::io::Write as _;

/// Writes a command's result to stdout.
pub(crate) fn out(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{}", text.trim_end());
}

/// Writes a message for the operator to stderr.
pub(crate) fn err(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", text.trim_end());
}
