//! Choosing and opening the store from a database URL: the one place that
//! knows which backends exist.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use std::sync::Arc;

use rampart_store::{Backend, Database, DatabaseUrl, Store};
use rampart_store_postgres::PostgresStore;
use rampart_store_sqlite::SqliteStore;

/// The default store: `rampart.db` in the user's data directory
/// (`~/.local/share/rampart` on Linux).
pub fn default_url() -> Result<DatabaseUrl> {
    let dirs = directories::ProjectDirs::from("", "", "rampart")
        .context("cannot find a data directory for this user; pass --db")?;
    let dir: PathBuf = dirs.data_dir().to_path_buf();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // The store holds a security programme: only its owner may read it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    Ok(DatabaseUrl::new(format!(
        "sqlite:{}",
        dir.join("rampart.db").display()
    )))
}

/// A plain path is taken as an SQLite file, for convenience.
pub fn parse_url(s: &str) -> DatabaseUrl {
    if s.contains("://") || s.starts_with("sqlite:") {
        DatabaseUrl::new(s)
    } else {
        DatabaseUrl::new(format!("sqlite:{s}"))
    }
}

pub async fn open(url: &DatabaseUrl) -> Result<Box<dyn Store>> {
    Ok(match url.backend() {
        Some(Backend::Sqlite) => Box::new(SqliteStore::open(url).await?),
        Some(Backend::Postgres) => Box::new(PostgresStore::open(url).await?),
        None => bail!("{url}: unknown database; use sqlite:PATH or postgres://USER@HOST/DB"),
    })
}

/// The store with its authentication state, for the server.
pub async fn open_database(url: &DatabaseUrl) -> Result<Arc<dyn Database>> {
    Ok(match url.backend() {
        Some(Backend::Sqlite) => Arc::new(SqliteStore::open(url).await?),
        Some(Backend::Postgres) => Arc::new(PostgresStore::open(url).await?),
        None => bail!("{url}: unknown database; use sqlite:PATH or postgres://USER@HOST/DB"),
    })
}
