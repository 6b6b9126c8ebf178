//! `rampart serve`, `rampart user`, and the serving half of `rampart demo`:
//! the web application on the configured store, and its accounts.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use rampart_domain::{EntityKind, Id, Role, User};
use rampart_server::{AppState, ServerConfig, auth};
use rampart_store::{Database, ListQuery, Store};

use super::{Context, block_on};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// The server is reached over HTTPS (directly or through a TLS proxy):
    /// mark cookies Secure and use the `__Host-` prefix.
    #[arg(long)]
    pub secure_cookies: bool,

    /// Another origin (https://host:port) allowed to send state-changing
    /// requests, e.g. the load balancer's public name. Repeatable.
    #[arg(long = "trusted-origin", value_name = "ORIGIN")]
    pub trusted_origins: Vec<String>,

    /// Take client addresses from X-Forwarded-For (behind a load balancer
    /// that sets it; never when clients reach the server directly).
    #[arg(long)]
    pub trust_forwarded_for: bool,

    /// Minutes a session may stay idle before it ends.
    #[arg(long, default_value_t = 30, value_name = "MINUTES")]
    pub session_idle_minutes: u64,

    /// Largest request body accepted, in KiB.
    #[arg(long, default_value_t = 1024, value_name = "KIB")]
    pub max_body_kib: usize,

    /// Largest audit evidence file (photo, PDF, ...) accepted, in MiB.
    #[arg(long, default_value_t = 20, value_name = "MIB")]
    pub max_evidence_mib: u64,

    /// Log lines as JSON (for a log collector) or as text.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// OpenID Connect single sign-on: the issuer URL (https; http only on
    /// loopback), exactly as its discovery document names it. Needs
    /// --oidc-client-id and --public-url; see docs/oidc.md.
    #[cfg(feature = "oidc")]
    #[arg(long, value_name = "URL", requires_all = ["oidc_client_id", "public_url"])]
    pub oidc_issuer: Option<String>,

    /// The client id registered at the identity provider.
    #[cfg(feature = "oidc")]
    #[arg(long, value_name = "ID", requires = "oidc_issuer")]
    pub oidc_client_id: Option<String>,

    /// The environment variable holding the client secret (it is never
    /// taken from the command line, where other users could read it).
    #[cfg(feature = "oidc")]
    #[arg(long, value_name = "VAR", default_value = "RAMPART_OIDC_CLIENT_SECRET")]
    pub oidc_client_secret_env: String,

    /// The ID token claim matched against users' email addresses; `email`
    /// must come with `email_verified: true`.
    #[cfg(feature = "oidc")]
    #[arg(long, value_name = "CLAIM", default_value = "email")]
    pub oidc_claim: String,

    /// The URL users reach Rampart at (https://rampart.example.com): the
    /// single sign-on redirect URI is this followed by /auth/oidc/callback.
    #[cfg(feature = "oidc")]
    #[arg(long, value_name = "URL", requires = "oidc_issuer")]
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl ServeArgs {
    fn config(&self) -> Result<ServerConfig> {
        Ok(ServerConfig {
            listen: self.listen,
            secure_cookies: self.secure_cookies,
            session_idle: Duration::from_secs(self.session_idle_minutes.max(1) * 60),
            max_body_bytes: self.max_body_kib.max(1) * 1024,
            max_evidence_bytes: self.max_evidence_mib.max(1) * 1024 * 1024,
            trusted_origins: self.trusted_origins.clone(),
            trust_forwarded_for: self.trust_forwarded_for,
            #[cfg(feature = "oidc")]
            oidc: self.oidc()?,
            ..ServerConfig::default()
        })
    }

    /// The single sign-on settings, with the client secret from the
    /// environment.
    #[cfg(feature = "oidc")]
    fn oidc(&self) -> Result<Option<rampart_server::oidc::OidcConfig>> {
        use rampart_server::oidc::{ClientSecret, OidcConfig};
        let (Some(issuer), Some(client_id), Some(public_url)) =
            (&self.oidc_issuer, &self.oidc_client_id, &self.public_url)
        else {
            return Ok(None);
        };
        let var = &self.oidc_client_secret_env;
        let secret = std::env::var(var).with_context(|| {
            format!("single sign-on needs the client secret in the environment variable {var}")
        })?;
        let config = OidcConfig::new(
            issuer,
            client_id,
            ClientSecret::new(secret),
            public_url,
            &self.oidc_claim,
        )
        .map_err(anyhow::Error::msg)?;
        Ok(Some(config))
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.compact().try_init(),
    };
}

fn state(db: Arc<dyn Database>, config: ServerConfig) -> AppState {
    AppState::new(
        db,
        config,
        Arc::new(|kind, value| {
            super::org::check_engine_model(kind, value).map_err(|message| {
                vec![rampart_server::problem::FieldError {
                    field: "/".to_owned(),
                    message,
                }]
            })
        }),
    )
    .with_analysis(Arc::new(rampart_analyst::Analyst))
    .with_audits(Arc::new(rampart_analyst::AuditAnalyst))
    .with_reports(Arc::new(rampart_analyst::Analyst))
}

pub fn serve(ctx: &Context, args: ServeArgs) -> Result<ExitCode> {
    init_logging(args.log_format);
    // Settings first: a mistake is reported before the store is touched.
    args.config()?;
    let url = ctx.database_url()?;
    block_on(async {
        let db = crate::db::open_database(&url).await?;
        bootstrap_admin(ctx, &db).await?;
        run(ctx, db, args, &url.to_string()).await
    })??;
    Ok(ExitCode::SUCCESS)
}

async fn run(ctx: &Context, db: Arc<dyn Database>, args: ServeArgs, store: &str) -> Result<()> {
    let config = args.config()?;
    #[cfg(feature = "oidc")]
    if let Some(o) = &config.oidc {
        tracing::info!(
            issuer = %o.issuer(),
            client_id = %o.client_id(),
            redirect_uri = %o.redirect_uri(),
            claim = %o.claim(),
            "single sign-on (OpenID Connect) is on"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    ctx.note(format!(
        "Rampart is serving http://{addr}/  (store: {store}; API docs at http://{addr}/api/docs; Ctrl-C stops)"
    ));
    tracing::info!(listen = %addr, "serving");
    rampart_server::serve(
        state(db, config),
        listener,
        rampart_server::shutdown_signal(),
    )
    .await
    .context("the server stopped with an error")
}

/// On a store whose organisation has no account with a password yet,
/// create the administrator `admin` with a one-time password, printed once.
async fn bootstrap_admin(ctx: &Context, db: &Arc<dyn Database>) -> Result<()> {
    let orgs = db.organisations().await?;
    let Some(org) = orgs.first() else {
        ctx.note(
            "the store holds no organisation yet: run `rampart demo` or `rampart import FILE` first",
        );
        return Ok(());
    };
    let org = org.value.id.clone();
    let users = db
        .list_records(&org, EntityKind::User, &ListQuery::all())
        .await?;
    for u in &users {
        if db.credential_of(&org, &u.id).await?.is_some() {
            return Ok(());
        }
    }
    let password = auth::random_password().map_err(|p| anyhow::anyhow!(p.detail))?;
    let user = User {
        id: Id::new("admin")?,
        display_name: "Administrator".to_owned(),
        email: None,
        role: Role::Admin,
        all_sites: true,
        sites: Vec::new(),
        person: None,
        disabled: false,
    };
    ensure_user(&**db, &ctx.actor, &org, &user).await?;
    store_password(db, &ctx.actor, &org, &user.id, "admin", &password, true).await?;
    eprintln!(
        "\nFirst run: created the administrator.\n  login:    admin\n  password: {password}   (one-time: you choose a new one at the first login; it is not shown again)\n"
    );
    Ok(())
}

async fn ensure_user(db: &dyn Database, actor: &str, org: &Id, user: &User) -> Result<()> {
    let store: &dyn Store = db;
    match store.get::<User>(org, &user.id).await? {
        Some(existing) if existing.value == *user => Ok(()),
        Some(existing) => {
            store.update(actor, org, user, existing.version).await?;
            Ok(())
        }
        None => {
            store.create(actor, org, user).await?;
            Ok(())
        }
    }
}

/// Set a password through the server's own path (argon2id, and every
/// other session of the account ended), so the CLI and the web agree.
async fn store_password(
    db: &Arc<dyn Database>,
    actor: &str,
    org: &Id,
    user: &Id,
    login: &str,
    password: &str,
    must_change: bool,
) -> Result<()> {
    let state = state(db.clone(), ServerConfig::default());
    auth::set_password(&state, actor, org, user, login, password, must_change)
        .await
        .map_err(|p| anyhow::anyhow!(p.detail))
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create an account (or reset its password) and print how to log in.
    ///
    /// Without --password-stdin a one-time password is printed once; the
    /// user chooses their own at the first login.
    ///
    /// Example: rampart user create --login ann --name "Ann Lee" --role assessor --sites dc,whs
    Create(UserCreateArgs),

    /// Issue an API token for an account and print it once (for automation:
    /// send it as `Authorization: Bearer rmp_...`).
    ///
    /// Example: rampart user token --login ci-bot --name "nightly export" --expires-in-days 90
    Token(UserTokenArgs),
}

#[derive(Debug, clap::Args)]
pub struct UserTokenArgs {
    /// The account the token acts as.
    #[arg(long)]
    login: String,
    /// What the token is for.
    #[arg(long, default_value = "command line")]
    name: String,
    /// Days until it expires; without it, it never does.
    #[arg(long, value_name = "DAYS")]
    expires_in_days: Option<u32>,
    /// The organisation; may be left out when the store holds one.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct UserCreateArgs {
    /// The name to log in with; also the user's id.
    #[arg(long)]
    login: String,
    /// The name shown in the application.
    #[arg(long)]
    name: Option<String>,
    /// An administrator with access to every site (same as --role admin --sites all).
    #[arg(long, conflicts_with_all = ["role", "sites"])]
    admin: bool,
    #[arg(long, value_enum, default_value_t = RoleArg::Viewer)]
    role: RoleArg,
    /// Sites the user may see, comma-separated, or `all`.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    sites: Vec<String>,
    /// Read the password from standard input instead of making a one-time one.
    #[arg(long)]
    password_stdin: bool,
    /// The user's email address (single sign-on matches users by it).
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
    /// The organisation; may be left out when the store holds one.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Admin,
    SecurityManager,
    Assessor,
    Responder,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::SecurityManager => Role::SecurityManager,
            RoleArg::Assessor => Role::Assessor,
            RoleArg::Responder => Role::Responder,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

pub fn user(ctx: &Context, cmd: UserCommand) -> Result<ExitCode> {
    let a = match cmd {
        UserCommand::Create(a) => a,
        UserCommand::Token(t) => return user_token(ctx, t),
    };
    let id = Id::new(a.login.as_str()).with_context(|| format!("--login {:?}", a.login))?;
    let (role, all_sites, sites) = if a.admin {
        (Role::Admin, true, Vec::new())
    } else if a.sites.iter().any(|s| s == "all") {
        (Role::from(a.role), true, Vec::new())
    } else {
        let sites = a
            .sites
            .iter()
            .map(|s| Id::new(s.as_str()).with_context(|| format!("--sites {s:?}")))
            .collect::<Result<Vec<_>>>()?;
        (Role::from(a.role), false, sites)
    };
    let (password, one_time) = if a.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let pw = line.trim_end_matches(['\n', '\r']).to_owned();
        auth::check_new_password(&pw, &a.login)
            .map_err(|m| anyhow::anyhow!("the password: {m}"))?;
        (pw, false)
    } else {
        (
            auth::random_password().map_err(|p| anyhow::anyhow!(p.detail))?,
            true,
        )
    };
    if let Some(e) = &a.email
        && (e.len() > 320
            || !e.contains('@')
            || e.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        bail!("--email {e:?} is not an email address");
    }
    let user = User {
        id: id.clone(),
        display_name: a.name.clone().unwrap_or_else(|| a.login.clone()),
        email: a.email.clone(),
        role,
        all_sites,
        sites,
        person: None,
        disabled: false,
    };
    let url = ctx.database_url()?;
    block_on(async {
        let db = crate::db::open_database(&url).await?;
        let org = super::org::pick_organisation(&*db, a.org.as_deref()).await?;
        for s in &user.sites {
            let store: &dyn Store = &*db;
            if store.get::<rampart_domain::Site>(&org, s).await?.is_none() {
                bail!("--sites: organisation {org} has no site {s}");
            }
        }
        ensure_user(&*db, &ctx.actor, &org, &user).await?;
        store_password(&db, &ctx.actor, &org, &id, &a.login, &password, one_time).await?;
        anyhow::Ok(())
    })??;
    if one_time {
        println!(
            "created {} ({}); one-time password: {password}\n(it is not shown again; the user chooses a new one at the first login)",
            a.login,
            rampart_server::access::role_label(role)
        );
    } else {
        ctx.note(format!(
            "created {} ({})",
            a.login,
            rampart_server::access::role_label(role)
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn user_token(ctx: &Context, a: UserTokenArgs) -> Result<ExitCode> {
    let id = Id::new(a.login.as_str()).with_context(|| format!("--login {:?}", a.login))?;
    if let Some(d) = a.expires_in_days
        && !(1..=3650).contains(&d)
    {
        bail!("--expires-in-days: from 1 to 3650, got {d}");
    }
    let url = ctx.database_url()?;
    let secret = block_on(async {
        let db = crate::db::open_database(&url).await?;
        let org = super::org::pick_organisation(&*db, a.org.as_deref()).await?;
        let store: &dyn Store = &*db;
        let Some(user) = store.get::<User>(&org, &id).await? else {
            bail!("organisation {org} has no user {id}; create it with `rampart user create`");
        };
        let principal = auth::Principal {
            org,
            user: user.value,
            via: auth::Via::ApiToken {
                id: "cli".to_owned(),
            },
        };
        let state = state(db, ServerConfig::default());
        let (secret, _) = auth::issue_token(&state, &principal, &a.name, a.expires_in_days)
            .await
            .map_err(|p| anyhow::anyhow!(p.detail))?;
        anyhow::Ok(secret)
    })??;
    println!("{secret}");
    ctx.note("(the token is shown this once; only its hash is kept)");
    Ok(ExitCode::SUCCESS)
}

/// The demo organisation's accounts: one per role, the assessor limited to
/// the data centre to show per-site scoping.
fn demo_users() -> Vec<(User, &'static str)> {
    let user = |id: &str, name: &str, role, sites: &[&str]| User {
        id: Id::new(id).unwrap_or_else(|_| unreachable!("a fixed id")),
        display_name: name.to_owned(),
        email: None,
        role,
        all_sites: sites.is_empty(),
        sites: sites.iter().filter_map(|s| Id::new(*s).ok()).collect(),
        person: None,
        disabled: false,
    };
    vec![
        (
            user("admin", "Demo administrator", Role::Admin, &[]),
            "admin",
        ),
        (
            user(
                "manager",
                "Demo security manager",
                Role::SecurityManager,
                &[],
            ),
            "manager",
        ),
        (
            user(
                "assessor",
                "Demo assessor (data centre only)",
                Role::Assessor,
                &["dc"],
            ),
            "assessor",
        ),
        (
            user("responder", "Demo responder", Role::Responder, &[]),
            "responder",
        ),
        (user("viewer", "Demo viewer", Role::Viewer, &[]), "viewer"),
    ]
}

/// After `rampart demo` seeded the store: make the demo accounts, give them
/// a fresh password (printed), and serve unless told not to.
pub fn demo_serve(ctx: &Context, org: &Id, serve: Option<ServeArgs>) -> Result<()> {
    let url = ctx.database_url()?;
    let password = auth::random_password().map_err(|p| anyhow::anyhow!(p.detail))?;
    if let Some(args) = &serve {
        init_logging(args.log_format);
    }
    block_on(async {
        let db = crate::db::open_database(&url).await?;
        for (user, login) in demo_users() {
            ensure_user(&*db, &ctx.actor, org, &user).await?;
            store_password(&db, &ctx.actor, org, &user.id, login, &password, false).await?;
        }
        let listen = serve.as_ref().map(|a| a.listen);
        eprintln!(
            "\nDemo accounts (one per role; `assessor` sees only the data centre):\n  \
             admin, manager, assessor, responder, viewer — password for all: {password}\n  \
             (a new password is made each time `rampart demo` runs)"
        );
        if let Some(addr) = listen {
            eprintln!("  log in at http://{addr}/login\n");
        }
        match serve {
            Some(args) => run(ctx, db, args, &url.to_string()).await,
            None => anyhow::Ok(()),
        }
    })??;
    Ok(())
}
