//! The hottest reads, run on the caller's thread.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every
//! statement and its result across channels. For a request that is two
//! short reads (its API token with its user, then a page), those hand-offs
//! and the thread switches they cause cost about as much CPU as the reads.
//! So the few statements that every request makes go through a small set
//! of read-only connections (rusqlite, over the same SQLite library) that
//! run where they are called, without a hand-off.
//!
//! Only statements that are bounded (an index probe, or a page walked
//! along an index and stopped after at most [`MAX_ROWS`] rows) come here:
//! they hold the calling thread for microseconds. WAL mode means that a
//! read never waits for the writer, and each statement sees the last
//! committed state, whichever connection committed it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rampart_store::{ListQuery, Result, StoreError};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params_from_iter, types::Value};

/// The most records a page read here may step over (offset + limit).
pub(crate) const MAX_ROWS: i64 = 2_000;

/// Idle connections kept for reuse; more are opened when needed.
const KEEP: usize = 8;

#[derive(Debug)]
pub(crate) struct Reader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl Reader {
    pub(crate) fn new(path: &Path) -> Reader {
        Reader {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection> {
        // Read-write (a WAL reader may need to write the shared-memory index
        // when it is the first to open the file), read-only when the file
        // is not writable; `query_only` below stops every write either way.
        let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&self.path, flags | OpenFlags::SQLITE_OPEN_READ_WRITE)
                .or_else(|_| {
                    Connection::open_with_flags(
                        &self.path,
                        flags | OpenFlags::SQLITE_OPEN_READ_ONLY,
                    )
                })
                .map_err(|e| StoreError::Database(format!("{}: {e}", self.path.display())))?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(db)?;
        // This connection only reads: make SQLite refuse anything else.
        conn.pragma_update(None, "query_only", true).map_err(db)?;
        Ok(conn)
    }

    /// Run `f` on an idle connection (or a new one), then keep it for the next.
    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn).map_err(db);
        if let Ok(mut v) = self.idle.lock()
            && v.len() < KEEP
        {
            v.push(conn);
        }
        out
    }

    /// The one row of `sql` (or none), each column decoded by `row`.
    pub(crate) fn one<T>(
        &self,
        sql: &str,
        params: &[Value],
        row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        self.with(|c| {
            c.prepare_cached(sql)?
                .query_row(params_from_iter(params), row)
                .optional()
        })
    }

    /// Every row of `sql`, each decoded by `row`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        params: &[Value],
        mut row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(sql)?;
            let mut rows = stmt.query(params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(row(r)?);
            }
            Ok(out)
        })
    }
}

/// Whether a page of `query` may be read here: in creation order, without
/// content filters, of every site or one, and bounded.
pub(crate) fn page_is_bounded(query: &ListQuery) -> bool {
    query.filters.is_empty()
        && query.sort.is_empty()
        && matches!(query.sites.as_deref(), None | Some([_]))
        && query.limit.is_some_and(|l| {
            l >= 0 && query.offset >= 0 && l.saturating_add(query.offset) <= MAX_ROWS
        })
}
