//! Logging and metrics. Secrets are typed (`SecretString`) so they cannot be formatted into
//! logs; metric labels carry connection ids, upstream names and outcomes only.

pub mod metrics;

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How log lines are written: `MLC_LOG_FORMAT=json` gives one JSON object per line (for log
/// shippers); anything else, or unset, gives text. Colour codes only when stdout is a terminal,
/// so a log file or journal never carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn from_env() -> Result<LogFormat, String> {
        match std::env::var("MLC_LOG_FORMAT") {
            Err(_) => Ok(LogFormat::Text),
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "" | "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                other => Err(format!(
                    "MLC_LOG_FORMAT: unknown log format {other:?}; expected \"text\" or \"json\" (e.g. MLC_LOG_FORMAT=json)"
                )),
            },
        }
    }
}

/// `RUST_LOG` wins; otherwise `default` (e.g. "info").
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let format = LogFormat::from_env().unwrap_or_else(|e| {
        eprintln!("warning: {e}; writing text logs");
        LogFormat::Text
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal());
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
