//! `rampart`: the command line of the security management specialist's
//! workbench. This file only parses the command line and dispatches; each
//! command lives in `commands/`, and the work itself in the library crates.

mod commands;
mod db;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Rampart: assess threats, analyse risk, design and evaluate security
/// systems, audit them, and report, for an organisation's sites.
///
/// Data lives in a store: an SQLite file in your data directory by default,
/// or PostgreSQL for teams (`--db postgres://...`).
///
/// Start with `rampart demo` to load a demonstration organisation, then
/// `rampart export` to see what an organisation file looks like.
#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    /// Database URL: `sqlite:PATH` or `postgres://USER@HOST/DB`.
    /// Defaults to an SQLite file in the user's data directory.
    #[arg(
        long,
        global = true,
        env = "RAMPART_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    db: Option<String>,

    /// Who is making changes, as the audit log records it.
    /// Defaults to `$USER@cli`.
    #[arg(long, global = true, env = "RAMPART_ACTOR", value_name = "NAME")]
    actor: Option<String>,

    /// Print nothing but errors and requested output (no progress bars).
    #[arg(long, short, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the database if needed and bring its schema up to date.
    ///
    /// Example: rampart init --db sqlite:./rampart.db
    Init,

    /// Load an organisation file (YAML or JSON) into the store, all or nothing.
    ///
    /// Every rule is checked before anything is written: a duplicate id, a
    /// reference to something that does not exist or a rating out of range
    /// is reported with its file, line and column, and the store is left as
    /// it was.
    ///
    /// With `risks`, read a risk register from an XLSX workbook instead (columns matched by
    /// header; every bad row listed; nothing written unless every row is good).
    ///
    /// Example: rampart import examples/demo-organisation.yaml
    Import(commands::sheets::ImportCommand),

    /// Write an organisation from the store as an organisation file; or, with `oscal`, an
    /// audit or a site's remediation plan as OSCAL; or, with `sheet`, a register as XLSX or CSV.
    ///
    /// Example: rampart export --org northwind --format json -o northwind.json
    Export(commands::org::ExportCommand),

    /// Load the demonstration organisation (a logistics company with an office, a data centre
    /// and a warehouse) and serve it in the web application.
    ///
    /// One account per role is made, with a fresh password printed each time.
    ///
    /// Example: rampart demo --db sqlite:./demo.db --listen 127.0.0.1:8080
    Demo(commands::org::DemoArgs),

    /// Serve the web application and its REST API.
    ///
    /// On a store whose organisation has no account yet, an administrator
    /// `admin` is created with a one-time password, printed once.
    ///
    /// Example: rampart serve --db postgres://rampart@db/rampart --listen 0.0.0.0:8080 --secure-cookies
    Serve(commands::serve::ServeArgs),

    /// Manage the accounts of the web application.
    #[command(subcommand)]
    User(commands::serve::UserCommand),

    /// The framework library: OSCAL catalogs and profiles, checklists.
    #[command(subcommand)]
    Framework(commands::compliance::FrameworkCommand),

    /// Security audits and inspections of the sites.
    #[command(subcommand)]
    Audit(commands::compliance::AuditCommand),

    /// Acceptance tests of newly installed systems: record the runs in the field, sign off.
    #[command(subcommand)]
    Acceptance(commands::acceptance::Command),

    /// Inspect and verify the tamper-evident audit log.
    #[command(name = "audit-log", subcommand)]
    AuditLog(commands::audit_log::AuditLogCommand),

    /// Print a shell completion script.
    ///
    /// Example: rampart completions bash > /etc/bash_completion.d/rampart
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Write a synthetic organisation file of a given size (for benchmarks).
    #[command(name = "synth-org", hide = true)]
    SynthOrg(commands::synth::SynthArgs),
    // engine commands
    /// Physical protection system evaluation: the most vulnerable adversary paths through a
    /// facility (EASI probability of interruption, exact), and which upgrades to buy.
    ///
    /// Example: rampart pps analyze tests/data/pps/data-centre.yaml --top 5
    Pps(commands::pps::Args),
    /// Risk analysis: Open FAIR Monte Carlo and countermeasure selection on a scenario file.
    ///
    /// Example: rampart risk simulate scenarios.yaml --trials 1000000 --json
    Risk(commands::risk::Args),
    /// Video surveillance design: camera field of view and distance per level, coverage of a
    /// floor plan per IEC 62676-4 level (walls occlude), camera placement.
    ///
    /// Example: rampart cctv coverage site.yaml --svg site.svg
    Cctv(commands::cctv::Args),
    /// Reports: the security assessment report of the organisation or a site (HTML).
    ///
    /// Example: rampart report assessment --site dc --format html -o dc-assessment.html
    Report(commands::report::Args),
}

/// mimalloc instead of the system allocator: a server's requests allocate
/// and free many small buffers, across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = commands::Context::new(cli.db, cli.actor, cli.quiet);
    let result = match cli.command {
        Command::Init => commands::org::init(&ctx),
        Command::Import(cmd) => commands::sheets::import(&ctx, cmd),
        Command::Export(args) => commands::org::export(&ctx, args),
        Command::Demo(args) => commands::org::demo(&ctx, args),
        Command::Serve(args) => commands::serve::serve(&ctx, args),
        Command::User(cmd) => commands::serve::user(&ctx, cmd),
        Command::Framework(cmd) => {
            commands::compliance::framework(&ctx, cmd).map(|()| ExitCode::SUCCESS)
        }
        Command::Audit(cmd) => commands::compliance::audit(&ctx, cmd).map(|()| ExitCode::SUCCESS),
        Command::Acceptance(cmd) => {
            commands::acceptance::run(&ctx, cmd).map(|()| ExitCode::SUCCESS)
        }
        Command::AuditLog(cmd) => commands::audit_log::run(&ctx, cmd),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "rampart",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::SynthOrg(args) => commands::synth::run(&ctx, args),
        // engine dispatch
        Command::Pps(args) => commands::pps::run(&ctx, args).map(|()| ExitCode::SUCCESS),
        Command::Risk(args) => commands::risk::run(&ctx, args).map(|()| ExitCode::SUCCESS),
        Command::Cctv(args) => commands::cctv::run(&ctx, args).map(|()| ExitCode::SUCCESS),
        Command::Report(args) => commands::report::run(&ctx, args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            commands::report_error(&e);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
