//! Process-wide logging: redacted, escaped JSON lines on stdout (LM-2), and panics logged
//! through the same path instead of a raw trace on stderr.

use helio_web::logging::JsonLogLayer;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Installs the global subscriber and the panic hook.
pub(crate) fn init(level: &str) -> anyhow::Result<()> {
    tracing_subscriber::registry()
        .with(EnvFilter::try_new(level)?)
        .with(JsonLogLayer::new(std::io::stdout))
        .try_init()?;
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic = %message, %location, "panic");
    }));
    Ok(())
}
