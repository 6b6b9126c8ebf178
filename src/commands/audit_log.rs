//! `rampart audit-log`: read and verify the tamper-evident audit log.

use std::process::ExitCode;

use anyhow::Result;

use super::{Context, block_on};

#[derive(Debug, clap::Subcommand)]
pub enum AuditLogCommand {
    /// Check the hash chain of the whole log: an edited, inserted or deleted
    /// entry is reported with its sequence number, and the exit status is 1.
    ///
    /// The head hash it prints identifies the whole log; keep it somewhere
    /// else (a ticket, a report) and pass it to `--expect-head` later to
    /// detect a log rewritten from the start.
    ///
    /// Example: rampart audit-log verify --expect-head 3f9a...
    Verify {
        /// Fail unless the log's last hash is this one.
        #[arg(long, value_name = "SHA256")]
        expect_head: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show entries in order, from the start or after a sequence number.
    ///
    /// Example: rampart audit-log show --after 100 --limit 20
    Show {
        /// Show entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print the entries as JSON lines, with before and after content.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, cmd: AuditLogCommand) -> Result<ExitCode> {
    match cmd {
        AuditLogCommand::Verify { expect_head, json } => {
            let v = block_on(async {
                let store = ctx.open_store().await?;
                anyhow::Ok(store.verify_audit_log().await?)
            })??;
            let head_ok = expect_head
                .as_deref()
                .is_none_or(|h| h.eq_ignore_ascii_case(&v.head));
            if json {
                let out = serde_json::json!({
                    "intact": v.is_intact() && head_ok,
                    "entries": v.entries,
                    "head": v.head,
                    "expected_head": expect_head,
                    "breaks": v.breaks,
                });
                println!("{out}");
            } else {
                for b in &v.breaks {
                    println!("BROKEN at entry {}: {}", b.seq, b.reason);
                }
                if !head_ok {
                    println!(
                        "BROKEN: the log ends at {} but {} was expected (entries were removed from the end, or the log was rewritten)",
                        v.head,
                        expect_head.as_deref().unwrap_or("")
                    );
                }
                if v.is_intact() && head_ok {
                    println!("audit log intact: {} entries, head {}", v.entries, v.head);
                } else {
                    println!("audit log NOT intact: {} entries checked", v.entries);
                }
            }
            Ok(if v.is_intact() && head_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        AuditLogCommand::Show { after, limit, json } => {
            let entries = block_on(async {
                let store = ctx.open_store().await?;
                anyhow::Ok(store.audit_entries(after, limit.clamp(0, 100_000)).await?)
            })??;
            for e in entries {
                if json {
                    println!("{}", serde_json::to_string(&e)?);
                } else {
                    println!(
                        "{:>6}  {}  {:<16} {:<7} {}/{} {}",
                        e.seq, e.at, e.actor, e.action, e.org, e.kind, e.entity_id
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
