//! The commands of the `rampart` binary. Each module parses its own
//! arguments, does the I/O, calls the library crates and prints.

pub mod acceptance;
pub mod audit_log;
pub mod cctv;
pub mod compliance;
pub mod org;
pub mod pps;
pub mod report;
pub mod risk;
pub mod serve;
pub mod sheets;
pub mod synth;

use std::future::Future;

use anyhow::{Context as _, Result};
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

/// What the store holds of kind `E` for a site, with the organisation it was
/// read from (`org`, or the store's only one). For the `--site` options that
/// feed stored models to the engines.
pub fn stored_at_site<E: rampart_domain::Entity>(
    ctx: &Context,
    org: Option<&str>,
    site: &str,
) -> Result<SiteItems<E>> {
    use rampart_domain::Id;
    let site = Id::new(site).with_context(|| format!("--site {site:?}"))?;
    let (org, items) = block_on(async {
        let store = ctx.open_store().await?;
        let org = org::pick_organisation(store.as_ref(), org).await?;
        if store
            .get::<rampart_domain::Site>(&org, &site)
            .await?
            .is_none()
        {
            anyhow::bail!("organisation {org} has no site {site}");
        }
        let items = store
            .list::<E>(&org, &rampart_store::ListQuery::site(&site))
            .await?;
        anyhow::Ok((org, items.into_iter().map(|s| s.value).collect()))
    })??;
    Ok(SiteItems { org, site, items })
}

/// Entities of one kind at a site, as [`stored_at_site`] read them.
#[derive(Debug)]
pub struct SiteItems<E> {
    pub org: rampart_domain::Id,
    pub site: rampart_domain::Id,
    pub items: Vec<E>,
}

impl<E: rampart_domain::Entity> SiteItems<E> {
    /// The item named `wanted`, or the only one. `what` names the kind in
    /// messages ("facility model") and `flag` the option that chooses.
    pub fn choose(&self, wanted: Option<&str>, what: &str, flag: &str) -> Result<&E> {
        let (site, org) = (&self.site, &self.org);
        let ids = || {
            self.items
                .iter()
                .map(|e| e.id().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match wanted {
            Some(w) => self
                .items
                .iter()
                .find(|e| e.id().as_str() == w)
                .with_context(|| {
                    format!("site {site} of {org} has no {what} {w} (it has: {})", ids())
                }),
            None => match self.items.as_slice() {
                [] => anyhow::bail!("site {site} of {org} has no {what}"),
                [one] => Ok(one),
                _ => anyhow::bail!(
                    "site {site} has several {what}s ({}); choose one with {flag}",
                    ids()
                ),
            },
        }
    }
}

/// The bytes of a file the user names, refused before reading when it is
/// larger than `max_bytes` ("FILE: 40 MB is larger than the 32 MB {what}
/// may be").
pub fn read_limited(path: &std::path::Path, max_bytes: u64, what: &str) -> Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > max_bytes {
        anyhow::bail!(
            "{}: {} MB is larger than the {} MB {what} may be",
            path.display(),
            meta.len() / 1_000_000,
            max_bytes / (1024 * 1024)
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// [`read_limited`], as UTF-8 text (an error names the first bad byte).
pub fn read_limited_text(path: &std::path::Path, max_bytes: u64, what: &str) -> Result<String> {
    String::from_utf8(read_limited(path, max_bytes, what)?).map_err(|e| {
        anyhow::anyhow!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
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
