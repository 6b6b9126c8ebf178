//! The pages in a real browser: headless Chromium driven through
//! chromedriver (WebDriver) with fantoccini, against the real server on a
//! loopback port, on an SQLite file holding the demo organisation.
//!
//! A manager logs in through the login form, creates a site and an asset
//! through their forms, edits a demo risk (treatment and FEMA 452 ratings)
//! and sees the change on the dashboard and the risk register, then logs out
//! (the session cookie is gone, protected pages send to /login). A viewer
//! logs in, finds no edit link on the risk page, and is refused (403) when
//! opening the edit form or posting an edit anyway; nothing changes.
//!
//! Needs `chromedriver` (`RAMPART_CHROMEDRIVER`, else on `PATH`) and
//! Chromium; without them the test prints a SKIPPED line and passes, except
//! under `CI=true`, where it fails. On a failed step it leaves a screenshot
//! and the page source in `target/browser-failures/`.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use rampart_domain::{Assessment, Id, RiskScenario, Role, Site};
use rampart_server::{AppState, ServerConfig};
use rampart_store::{Database, Store};
use serde_json::json;

use crate::util;
use crate::web::Web;

const TEST: &str = "browser_manager_and_viewer";
const MANAGER: (&str, &str) = ("browser-manager", "manager password 1234");
const VIEWER: (&str, &str) = ("browser-viewer", "viewer password 1234");
/// A FEMA 452 risk of the demo at the Leeds head office: current risk
/// 10 x 7 x 4 = 280, treatment "mitigate".
const RISK: &str = "r-hq-tailgating";
/// How long to wait for a page to show what a step expects.
const PATIENCE: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_manager_and_viewer() {
    let Some(tools) = Tools::find() else { return };
    let started = Instant::now();

    // The application, in process, on a loopback port.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("rampart.db").display());
    let store = rampart_store_sqlite::SqliteStore::open(&rampart_store::DatabaseUrl::new(url))
        .await
        .unwrap();
    let db: Arc<dyn Database> = Arc::new(store);
    let web = Web::on(db.clone(), ServerConfig::default()).await;
    web.user_with_password(MANAGER.0, Role::SecurityManager, MANAGER.1)
        .await;
    web.user_with_password(VIEWER.0, Role::Viewer, VIEWER.1)
        .await;
    let state = AppState::new(db.clone(), ServerConfig::default(), Arc::new(|_, _| Ok(())))
        .with_audits(Arc::new(rampart_analyst::AuditAnalyst));
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rampart_server::serve(state, listener, async {
        let _ = stopped.await;
    }));

    // The browser.
    let driver = Driver::start(&tools).await;
    let b = Browser {
        client: driver.client.clone(),
        base,
        test: TEST,
    };

    manager_flow(&b, &web).await;
    viewer_flow(&b, &web).await;

    driver.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    eprintln!(
        "browser tests passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn manager_flow(b: &Browser, web: &Web) {
    b.step("manager-login", async {
        b.login(MANAGER.0, MANAGER.1).await?;
        let who = b.text(Locator::Css(".topbar .who-name")).await?;
        ensure!(who == MANAGER.0, "the top bar names {who:?}");
        ensure!(
            b.cookie("rampart_session").await?.is_some(),
            "no session cookie after logging in"
        );
        Ok(())
    })
    .await;

    b.step("create-site", async {
        b.goto("/sites").await?;
        b.find(Locator::Css("main a[href='/sites/new']"))
            .await?
            .click()
            .await?;
        b.wait_path("/sites/new").await?;
        b.find(Locator::Id("f-id"))
            .await?
            .send_keys("browser-depot")
            .await?;
        b.find(Locator::Id("f-name"))
            .await?
            .send_keys("Browser test depot")
            .await?;
        b.find(Locator::Id("f-kind"))
            .await?
            .select_by_value("warehouse")
            .await?;
        b.find(Locator::Id("f-address"))
            .await?
            .send_keys("1 Test Lane, Leeds")
            .await?;
        b.find(Locator::Id("f-facility-security-level"))
            .await?
            .select_by_value("2")
            .await?;
        b.submit_record_form().await?;
        b.wait_path("/sites/browser-depot").await?;
        let h1 = b.text(Locator::Css("main h1")).await?;
        ensure!(
            h1 == "Browser test depot",
            "the new site's page is headed {h1:?}"
        );
        let store: &dyn Store = &*web.db;
        let stored = store.get::<Site>(&web.org, &id("browser-depot")).await?;
        ensure!(stored.is_some(), "the site is not in the store");
        Ok(())
    })
    .await;

    b.step("create-asset", async {
        b.goto("/asset-register").await?;
        b.find(Locator::Css("main a[href='/asset-register/new']"))
            .await?
            .click()
            .await?;
        b.wait_path("/asset-register/new").await?;
        b.find(Locator::Id("f-id"))
            .await?
            .send_keys("browser-forklift")
            .await?;
        b.find(Locator::Id("f-name"))
            .await?
            .send_keys("Browser test forklift")
            .await?;
        b.find(Locator::Id("f-site"))
            .await?
            .select_by_value("browser-depot")
            .await?;
        b.find(Locator::Id("f-kind"))
            .await?
            .select_by_value("physical")
            .await?;
        b.find(Locator::Id("f-value"))
            .await?
            .select_by_value("6")
            .await?;
        b.find(Locator::Id("f-replacement-cost"))
            .await?
            .send_keys("25000")
            .await?;
        b.submit_record_form().await?;
        b.wait_path("/asset-register/browser-forklift").await?;
        let h1 = b.text(Locator::Css("main h1")).await?;
        ensure!(
            h1 == "Browser test forklift",
            "the new asset's page is headed {h1:?}"
        );
        // The site's page lists it.
        b.goto("/sites/browser-depot").await?;
        b.find(Locator::Css(
            "main a[href='/asset-register/browser-forklift']",
        ))
        .await
        .context("the site page does not list the new asset")?;
        Ok(())
    })
    .await;

    b.step("edit-risk", async {
        b.goto(&format!("/risks/{RISK}")).await?;
        b.find(Locator::Css(&format!(
            ".page-head a[href='/risks/{RISK}/edit']"
        )))
        .await
        .context("the manager sees no edit link")?
        .click()
        .await?;
        b.wait_path(&format!("/risks/{RISK}/edit")).await?;
        // Current vulnerability 4 -> 9: 10 x 7 x 9 = 630.
        b.find(Locator::Id("f-assessment-current-vulnerability"))
            .await?
            .select_by_value("9")
            .await?;
        b.find(Locator::Id("f-treatment"))
            .await?
            .select_by_value("accept")
            .await?;
        b.submit_record_form().await?;
        b.wait_path(&format!("/risks/{RISK}")).await?;
        let treatment = b.fact("Treatment").await?;
        ensure!(
            treatment == "Accept",
            "the risk page shows treatment {treatment:?}"
        );
        let risk = stored_risk(web).await?;
        ensure!(
            code(&risk.treatment) == "accept",
            "stored treatment {:?}",
            risk.treatment
        );
        ensure!(
            current_vulnerability(&risk) == Some(9),
            "stored assessment {:?}",
            risk.assessment
        );
        Ok(())
    })
    .await;

    b.step("dashboard-shows-change", async {
        b.find(Locator::Css("nav.mainnav a[href='/']"))
            .await?
            .click()
            .await?;
        b.wait_path("/").await?;
        let row = b
            .text(Locator::XPath(&format!(
                "//section[@aria-labelledby='site-hq']//tr[th/a[@href='/risks/{RISK}']]"
            )))
            .await
            .context("the risk is not among the head office's highest risks")?;
        ensure!(
            row.contains("630 / 1000"),
            "the dashboard row reads {row:?}"
        );
        // The new site has its own panel.
        b.find(Locator::Css("main h2#site-browser-depot"))
            .await
            .context("no panel for the new site")?;
        Ok(())
    })
    .await;

    b.step("risk-register-shows-change", async {
        b.goto("/risks?treatment=accept").await?;
        let row = b
            .text(Locator::XPath(&format!(
                "//main//tr[th/a[@href='/risks/{RISK}']]"
            )))
            .await
            .context("the risk is not in the register filtered on accepted risks")?;
        ensure!(row.contains("Accept"), "the register row reads {row:?}");
        ensure!(row.contains("630 / 1000"), "the register row reads {row:?}");
        Ok(())
    })
    .await;

    b.step("evidence-upload", async {
        // A photo from the phone's file picker, sent by the browser's own
        // multipart encoding (the CSRF token must precede the file).
        let dir = tempfile::tempdir()?;
        let photo = dir.path().join("gate 3.png");
        std::fs::write(
            &photo,
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0",
        )?;
        let path = "/audits/hq-inspection-2025/inspect";
        b.goto(&format!("{path}?item=1")).await?;
        b.find(Locator::Id("evidence-file"))
            .await?
            .send_keys(&photo.display().to_string())
            .await?;
        b.find(Locator::Css(".evidence-form button[type='submit']"))
            .await?
            .click()
            .await?;
        b.wait_path(path).await?;
        let listed = b.text(Locator::Css(".evidence-list li")).await?;
        ensure!(
            listed.starts_with("gate 3.png"),
            "the item lists {listed:?}"
        );
        ensure!(listed.contains("PNG image"), "the item lists {listed:?}");
        let stored = web
            .db
            .attachments_of(&web.org, &Id::new("hq-inspection-2025")?)
            .await?;
        ensure!(stored.len() == 1, "stored attachments: {stored:?}");
        Ok(())
    })
    .await;

    b.step("manager-logout", async {
        b.logout().await?;
        ensure!(
            b.cookie("rampart_session").await?.is_none(),
            "the session cookie is still there"
        );
        b.goto("/risks").await?;
        b.wait_path("/login")
            .await
            .context("a protected page did not send to /login")?;
        let url = b.client.current_url().await?;
        let next = url
            .query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned());
        ensure!(next.as_deref() == Some("/risks"), "login page at {url}");
        Ok(())
    })
    .await;
}

async fn viewer_flow(b: &Browser, web: &Web) {
    let before = b
        .step("viewer-setup", async {
            stored_risk_with_version(web).await
        })
        .await;

    b.step("viewer-login", async {
        b.login(VIEWER.0, VIEWER.1).await?;
        let role = b.text(Locator::Css(".topbar .who-role")).await?;
        ensure!(
            role.to_lowercase().contains("viewer"),
            "the top bar says role {role:?}"
        );
        Ok(())
    })
    .await;

    b.step("viewer-no-edit-link", async {
        b.goto(&format!("/risks/{RISK}")).await?;
        let h1 = b.text(Locator::Css("main h1")).await?;
        ensure!(
            h1 == "Tailgating through reception",
            "the risk page is headed {h1:?}"
        );
        let edits = b
            .client
            .find_all(Locator::Css("main a[href$='/edit']"))
            .await?;
        ensure!(
            edits.is_empty(),
            "the viewer sees {} edit link(s)",
            edits.len()
        );
        let edit_buttons = b
            .client
            .find_all(Locator::XPath(
                "//main//*[self::a or self::button][normalize-space()='Edit']",
            ))
            .await?;
        ensure!(edit_buttons.is_empty(), "the viewer sees an Edit button");
        Ok(())
    })
    .await;

    b.step("viewer-edit-form-refused", async {
        b.goto(&format!("/risks/{RISK}/edit")).await?;
        b.expect_refused().await?;
        ensure!(
            b.client
                .find_all(Locator::Css("form.record-form"))
                .await?
                .is_empty(),
            "the viewer was shown the edit form"
        );
        Ok(())
    })
    .await;

    // The same edit the manager's form would post, with this session's
    // CSRF token, so that only the role is refused.
    let edit = json!({
        "version": before.1.to_string(),
        "method": "fema452",
        "title": "Tailgating through reception",
        "site": "hq",
        "threat": "tailgating",
        "asset": "hq-staff",
        "assessment.inherent.asset_value": "10",
        "assessment.inherent.threat": "7",
        "assessment.inherent.vulnerability": "6",
        "assessment.current.asset_value": "10",
        "assessment.current.threat": "7",
        "assessment.current.vulnerability": "1",
        "treatment": "avoid",
        "owner": "p-lewis",
    });

    b.step("viewer-post-refused", async {
        b.goto(&format!("/risks/{RISK}")).await?;
        // With fetch, to see the status.
        let status = b
            .client
            .execute_async(
                r"const [fields, action, done] = arguments;
                  const body = new URLSearchParams(fields);
                  body.set('csrf_token', document.querySelector('meta[name=csrf-token]').content);
                  fetch(action, {method: 'POST', body, credentials: 'same-origin', redirect: 'manual'})
                    .then(r => done(r.status), e => done('failed: ' + e));",
                vec![edit.clone(), json!(format!("/risks/{RISK}"))],
            )
            .await?;
        ensure!(status == json!(403), "posting the edit answered {status}");
        // As a form the browser submits, to see the page it shows.
        b.client
            .execute(
                r"const [fields, action] = arguments;
                  const f = document.createElement('form');
                  f.method = 'post';
                  f.action = action;
                  fields.csrf_token = document.querySelector('meta[name=csrf-token]').content;
                  for (const [k, v] of Object.entries(fields)) {
                    const i = document.createElement('input');
                    i.type = 'hidden'; i.name = k; i.value = v;
                    f.appendChild(i);
                  }
                  document.body.appendChild(f);
                  f.submit();",
                vec![edit.clone(), json!(format!("/risks/{RISK}"))],
            )
            .await?;
        b.expect_refused().await?;
        let after = stored_risk_with_version(web).await?;
        ensure!(after == before, "the risk changed: {:?} -> {:?}", before, after);
        Ok(())
    })
    .await;

    b.step("viewer-logout", async { b.logout().await }).await;
}

// ------------------------------------------------------------ the store

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn stored_risk(web: &Web) -> anyhow::Result<RiskScenario> {
    Ok(stored_risk_with_version(web).await?.0)
}

async fn stored_risk_with_version(web: &Web) -> anyhow::Result<(RiskScenario, i64)> {
    let store: &dyn Store = &*web.db;
    let s = store
        .get::<RiskScenario>(&web.org, &id(RISK))
        .await?
        .context("the demo risk is missing")?;
    Ok((s.value, s.version))
}

fn current_vulnerability(r: &RiskScenario) -> Option<i64> {
    match &r.assessment {
        Assessment::Fema452 {
            current: Some(c), ..
        } => Some(c.vulnerability.get().into()),
        _ => None,
    }
}

// ------------------------------------------------------------ the browser

/// A WebDriver session, with what a failed step leaves behind.
struct Browser {
    client: Client,
    base: String,
    test: &'static str,
}

impl Browser {
    /// Run one step; on failure, save a screenshot and the page source, end
    /// the browser session and fail the test naming the step.
    async fn step<T>(&self, name: &str, f: impl Future<Output = anyhow::Result<T>>) -> T {
        let e = match tokio::time::timeout(Duration::from_secs(90), f).await {
            Ok(Ok(v)) => return v,
            Ok(Err(e)) => e,
            Err(_) => anyhow!("timed out after 90 s"),
        };
        let saved = self.save_failure(name).await;
        let _ = self.client.clone().close().await;
        panic!("browser step `{name}` failed: {e:#}\n{saved}");
    }

    async fn save_failure(&self, step: &str) -> String {
        let dir = util::root().join("target/browser-failures");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return format!("(could not create {}: {e})", dir.display());
        }
        let stem = dir.join(format!("{}-{step}", self.test));
        let mut notes = Vec::new();
        if let Ok(url) = self.client.current_url().await {
            notes.push(format!("page: {url}"));
        }
        match self.client.screenshot().await {
            Ok(png) => notes.push(write(&stem.with_extension("png"), &png)),
            Err(e) => notes.push(format!("(no screenshot: {e})")),
        }
        match self.client.source().await {
            Ok(html) => notes.push(write(&stem.with_extension("html"), html.as_bytes())),
            Err(e) => notes.push(format!("(no page source: {e})")),
        }
        notes.join("\n")
    }

    async fn goto(&self, path: &str) -> anyhow::Result<()> {
        self.client.goto(&format!("{}{path}", self.base)).await?;
        Ok(())
    }

    /// Wait for an element (the page may still be loading).
    async fn find(&self, l: Locator<'_>) -> anyhow::Result<fantoccini::elements::Element> {
        let what = format!("{l:?}");
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(l)
            .await
            .with_context(|| format!("no element {what}"))
    }

    async fn text(&self, l: Locator<'_>) -> anyhow::Result<String> {
        Ok(self.find(l).await?.text().await?.trim().to_owned())
    }

    /// The value of a fact (`dt`/`dd`) on a detail page.
    async fn fact(&self, label: &str) -> anyhow::Result<String> {
        self.text(Locator::XPath(&format!(
            "//dl[@class='facts']//div[dt='{label}']/dd"
        )))
        .await
    }

    /// Wait until the browser is at `path` (any query) with the page loaded.
    async fn wait_path(&self, path: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = self.client.current_url().await?;
            if url.path() == path {
                let ready = self
                    .client
                    .execute("return document.readyState", vec![])
                    .await?;
                if ready == json!("complete") {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                bail!("expected to be at {path}, still at {url}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn cookie(&self, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .client
            .get_all_cookies()
            .await?
            .into_iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned()))
    }

    async fn login(&self, login: &str, password: &str) -> anyhow::Result<()> {
        self.goto("/").await?;
        self.wait_path("/login")
            .await
            .context("the dashboard did not send to the login form")?;
        self.find(Locator::Id("login"))
            .await?
            .send_keys(login)
            .await?;
        self.find(Locator::Id("password"))
            .await?
            .send_keys(password)
            .await?;
        self.find(Locator::Css(
            "main form[action='/login'] button[type='submit']",
        ))
        .await?
        .click()
        .await?;
        self.wait_path("/")
            .await
            .context("logging in did not lead to the dashboard")?;
        let h1 = self.text(Locator::Css("main h1")).await?;
        ensure!(
            h1 == "Dashboard",
            "after logging in the page is headed {h1:?}"
        );
        Ok(())
    }

    async fn logout(&self) -> anyhow::Result<()> {
        self.find(Locator::Css(
            ".topbar form[action='/logout'] button[type='submit']",
        ))
        .await?
        .click()
        .await?;
        self.wait_path("/login")
            .await
            .context("logging out did not lead to the login form")?;
        self.find(Locator::Id("login")).await?;
        Ok(())
    }

    async fn submit_record_form(&self) -> anyhow::Result<()> {
        self.find(Locator::Css(
            "main form.record-form .form-actions button[type='submit']",
        ))
        .await?
        .click()
        .await?;
        Ok(())
    }

    /// The page is the 403 error page.
    async fn expect_refused(&self) -> anyhow::Result<()> {
        let kicker = self.text(Locator::Css("main .error-page .kicker")).await?;
        // (The kicker is styled in capitals; WebDriver reads rendered text.)
        ensure!(
            kicker.eq_ignore_ascii_case("Error 403"),
            "the error page says {kicker:?}"
        );
        let h1 = self.text(Locator::Css("main .error-page h1")).await?;
        ensure!(
            h1 == "You may not do this",
            "the error page is headed {h1:?}"
        );
        Ok(())
    }
}

fn write(path: &Path, bytes: &[u8]) -> String {
    match std::fs::write(path, bytes) {
        Ok(()) => format!("saved {}", path.display()),
        Err(e) => format!("(could not write {}: {e})", path.display()),
    }
}

// ------------------------------------------------------------ chromedriver

/// The programs the test needs.
struct Tools {
    chromedriver: PathBuf,
    chromium: Option<PathBuf>,
}

impl Tools {
    /// `None` (after a SKIPPED line) when they are not installed, except
    /// under CI, where they must be.
    fn find() -> Option<Tools> {
        let chromedriver = match std::env::var_os("RAMPART_CHROMEDRIVER") {
            Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
            None => on_path("chromedriver"),
        };
        let Some(chromedriver) = chromedriver else {
            return skip_or_fail("chromedriver not found; install chromium and chromium-driver");
        };
        let chromium = Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file());
        if chromium.is_none()
            && ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .all(|n| on_path(n).is_none())
        {
            return skip_or_fail("chromium not found; install chromium and chromium-driver");
        }
        Some(Tools {
            chromedriver,
            chromium,
        })
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn skip_or_fail<T>(why: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the browser tests are required under CI: {why}");
    }
    eprintln!("SKIPPED: browser tests ({why})");
    None
}

/// chromedriver and the browser session it runs. Dropping it (also when a
/// step panics) kills chromedriver's process group: chromedriver and the
/// browser it started, should the session not have been closed.
struct Driver {
    child: Child,
    client: Client,
    _profile: tempfile::TempDir,
}

impl Driver {
    async fn start(tools: &Tools) -> Driver {
        let port = StdListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group, so that the browser goes with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
        let mut guard = Starting { child: Some(child) };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {addr} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--no-proxy-server".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--window-size=1280,1024".to_owned(),
        ];
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut options = json!({ "args": args });
        if let Some(bin) = &tools.chromium {
            options["binary"] = json!(bin.display().to_string());
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::new(connector)
                .capabilities(caps)
                .connect(&format!("http://{addr}")),
        )
        .await
        .expect("chromedriver did not start a browser session within 60 s")
        .expect("chromedriver could not start a browser session");
        Driver {
            child: guard.child.take().unwrap(),
            client,
            _profile: profile,
        }
    }

    /// End the browser session (chromedriver quits the browser), then stop
    /// chromedriver.
    async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(20), self.client.clone().close()).await;
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// chromedriver before the session exists.
struct Starting {
    child: Option<Child>,
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            kill_group(c);
        }
    }
}

/// Kill chromedriver's process group (chromedriver and any browser it left),
/// then reap chromedriver.
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}
