//! The commands of the `rampart` binary. Each module parses its own
//! arguments, does the I/O, calls the library crates and prints.

pub mod audit_log;
pub mod cctv;
pub mod org;
pub mod pps;
pub mod risk;
pub mod synth;

use std::future::Future;

use anyhow::Result;
use rampart_store::{DatabaseUrl, Store};

/// What every command may need: where the store is, who acts, how chatty to be.
#[derive(Debug)]
pub struct Context {
    db: Option<String>,
    pub actor: String,
    pub quiet: bool,
}

impl Context {
    pub fn new(db: Option<String>, actor: Option<String>, quiet: bool) -> Context {
        let actor = actor.unwrap_or_else(|| {
            let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
            format!("{user}@cli")
        });
        Context { db, actor, quiet }
    }

    pub fn database_url(&self) -> Result<DatabaseUrl> {
        match &self.db {
            Some(s) => Ok(crate::db::parse_url(s)),
            None => crate::db::default_url(),
        }
    }

    pub async fn open_store(&self) -> Result<Box<dyn Store>> {
        crate::db::open(&self.database_url()?).await
    }

    /// Print a progress line to stderr unless quiet.
    pub fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// A progress bar on stderr: drawn on a terminal, hidden in scripts
    /// (indicatif draws nothing when stderr is not a terminal) and when quiet.
    pub fn progress(&self, len: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(len);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        bar
    }

    /// A spinner on stderr for work of unknown length, on a terminal only.
    pub fn spinner(&self, what: String) -> indicatif::ProgressBar {
        if self.quiet {
            return indicatif::ProgressBar::hidden();
        }
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.set_message(what);
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        spinner
    }
}

/// Run async store work from a synchronous command.
pub fn block_on<F: Future>(f: F) -> Result<F::Output> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    Ok(rt.block_on(f))
}

/// Print an error for a person: diagnostics that point into a file are drawn
/// with their source lines, the rest as a chain of causes.
pub fn report_error(e: &anyhow::Error) {
    if let Some(d) = e.downcast_ref::<Box<rampart_orgfile::OrgFileError>>() {
        let handler = miette::GraphicalReportHandler::new();
        let mut out = String::new();
        match &**d {
            rampart_orgfile::OrgFileError::Invalid { problems, .. } => {
                eprintln!("error: {d}");
                for p in problems {
                    out.clear();
                    if handler.render_report(&mut out, p).is_ok() {
                        eprint!("{out}");
                    } else {
                        eprintln!("  {p}");
                    }
                }
            }
            other => {
                if handler.render_report(&mut out, other).is_ok() {
                    eprint!("{out}");
                } else {
                    eprintln!("error: {other}");
                }
            }
        }
        return;
    }
    eprintln!("error: {e:#}");
}
