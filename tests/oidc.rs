//! OpenID Connect single sign-on (feature `oidc`) end to end, in process:
//! a mock identity provider on 127.0.0.1 (discovery, JWKS, token endpoint
//! checking the client secret and the PKCE verifier) signs ID tokens with
//! the committed test RSA key (tests/data/oidc/, a test key only) or a P-256
//! key made for the run; the application goes through the login redirect
//! and the callback, and a good sign-in's session must reach /api/v1/me as
//! the mapped user. Every bad answer must end with no session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::routing::{self, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rampart_domain::{Id, Role, User};
use rampart_server::ServerConfig;
use rampart_server::oidc::{ClientSecret, OidcConfig};
use rampart_store::Store;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use serde_json::{Value, json};

use crate::util;
use crate::web::{Answer, Web};

const CLIENT_ID: &str = "rampart-test";
const CLIENT_SECRET: &str = "test-client-secret";
const PUBLIC_URL: &str = "http://localhost:8080";

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A code the provider handed out, and what redeeming it must show.
struct Grant {
    id_token: String,
    challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
struct Issued {
    grants: HashMap<String, Grant>,
    token_requests: usize,
}

/// The mock identity provider.
struct Idp {
    issuer: String,
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
    issued: Arc<Mutex<Issued>>,
}

/// How a test token is signed.
enum Sign<'a> {
    Rsa,
    Ec,
    /// With this key, under the provider's EC key id.
    Foreign(&'a EcdsaKeyPair),
    /// `alg: none`, no signature.
    None,
}

fn ec_key() -> EcdsaKeyPair {
    let rng = SystemRandom::new();
    let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref(), &rng).unwrap()
}

#[derive(Clone)]
struct MockState {
    issuer: String,
    jwks: Value,
    issued: Arc<Mutex<Issued>>,
}

async fn discovery(State(s): State<MockState>) -> Json<Value> {
    let i = &s.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn serve_jwks(State(s): State<MockState>) -> Json<Value> {
    Json(s.jwks)
}

/// The token endpoint: the client must authenticate with its secret, the
/// code is good once, and the verifier must hash to the code's challenge.
async fn token(
    State(s): State<MockState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let refuse = |error: &str| (StatusCode::BAD_REQUEST, Json(json!({"error": error})));
    let mut issued = s.issued.lock().unwrap();
    issued.token_requests += 1;
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(basic.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return refuse("unsupported_grant_type");
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let Some(grant) = issued.grants.remove(&code) else {
        return refuse("invalid_grant");
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let hashed = b64(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    if hashed != grant.challenge || form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return refuse("invalid_grant");
    }
    (
        StatusCode::OK,
        Json(
            json!({"access_token": "opaque", "token_type": "Bearer", "expires_in": 60, "id_token": grant.id_token}),
        ),
    )
}

impl Idp {
    async fn start() -> Idp {
        let der =
            std::fs::read(util::root().join("tests/data/oidc/TEST-ONLY-rsa-2048.pk8.der")).unwrap();
        let rsa = RsaKeyPair::from_pkcs8(&der).unwrap();
        let ec = ec_key();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let rsa_public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(rsa.public());
        let point = ec.public_key().as_ref();
        let jwks = json!({"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
             "n": b64(&rsa_public.n), "e": b64(&rsa_public.e)},
            {"kty": "EC", "kid": "ec-1", "use": "sig", "crv": "P-256",
             "x": b64(&point[1..33]), "y": b64(&point[33..65])},
            // An encryption key under the same id: never used to verify.
            {"kty": "RSA", "kid": "ec-1", "use": "enc", "n": b64(&rsa_public.n), "e": b64(&rsa_public.e)},
        ]});
        let issued = Arc::new(Mutex::new(Issued::default()));
        let app = Router::new()
            .route("/.well-known/openid-configuration", routing::get(discovery))
            .route("/jwks", routing::get(serve_jwks))
            .route("/token", post(token))
            .with_state(MockState {
                issuer: issuer.clone(),
                jwks,
                issued: issued.clone(),
            });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Idp {
            issuer,
            rsa,
            ec,
            issued,
        }
    }

    fn sign(&self, how: Sign<'_>, claims: &Value) -> String {
        let rng = SystemRandom::new();
        let header = match how {
            Sign::Rsa => json!({"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}),
            Sign::Ec | Sign::Foreign(_) => json!({"alg": "ES256", "kid": "ec-1", "typ": "JWT"}),
            Sign::None => json!({"alg": "none", "typ": "JWT"}),
        };
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature = match how {
            Sign::Rsa => {
                let mut sig = vec![0u8; self.rsa.public().modulus_len()];
                self.rsa
                    .sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut sig)
                    .unwrap();
                sig
            }
            Sign::Ec => self
                .ec
                .sign(&rng, input.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
            Sign::Foreign(key) => key.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec(),
            Sign::None => Vec::new(),
        };
        format!("{input}.{}", b64(signature))
    }

    /// The claims of a good token for this sign-in.
    fn claims(&self, nonce: &str, email: &str) -> Value {
        json!({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": "user-123",
            "email": email, "email_verified": true, "name": "Someone",
            "nonce": nonce, "iat": now(), "exp": now() + 300,
        })
    }

    /// Hand out a code for a token; the code.
    fn grant(&self, started: &Started, id_token: String) -> String {
        let code = format!("code-{}", rampart_server::auth::random_secret().unwrap());
        self.issued.lock().unwrap().grants.insert(
            code.clone(),
            Grant {
                id_token,
                challenge: started.params["code_challenge"].clone(),
                redirect_uri: started.params["redirect_uri"].clone(),
            },
        );
        code
    }

    fn token_requests(&self) -> usize {
        self.issued.lock().unwrap().token_requests
    }
}

/// The application, configured for the mock provider, with two users the
/// administrator made: ann (enabled, a viewer of hq) and dan (disabled).
async fn app(idp: &Idp, secure_cookies: bool) -> Web {
    let store = rampart_store_sqlite::SqliteStore::open(&rampart_store::DatabaseUrl::new(
        "sqlite::memory:",
    ))
    .await
    .unwrap();
    let config = ServerConfig {
        secure_cookies,
        oidc: Some(
            OidcConfig::new(
                &idp.issuer,
                CLIENT_ID,
                ClientSecret::new(CLIENT_SECRET.to_owned()),
                PUBLIC_URL,
                "email",
            )
            .unwrap(),
        ),
        ..ServerConfig::default()
    };
    let web = Web::on(Arc::new(store), config).await;
    let store: &dyn Store = &*web.db;
    for (login, email, disabled) in [
        ("ann-sso", "Ann.Sso@Example.test", false),
        ("dan-sso", "dan@example.test", true),
    ] {
        let user = User {
            id: id(login),
            display_name: format!("{login} person"),
            email: Some(email.to_owned()),
            role: Role::Viewer,
            all_sites: false,
            sites: vec![id("hq")],
            person: None,
            disabled,
        };
        store.create("test", &web.org, &user).await.unwrap();
    }
    web
}

/// A sign-in the application started: its cookie and what it asked the
/// provider for.
struct Started {
    cookie: String,
    set_cookie: String,
    params: HashMap<String, String>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn query_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn get(web: &Web, path: &str, cookie: Option<&str>) -> Answer {
    let mut b = Request::builder().method(Method::GET).uri(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    web.send(b.body(Body::empty()).unwrap()).await
}

fn set_cookies(a: &Answer) -> Vec<String> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

async fn start(web: &Web, idp: &Idp, next: &str) -> Started {
    let a = get(web, &format!("/auth/oidc/login?next={next}"), None).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let location = a.headers[header::LOCATION].to_str().unwrap().to_owned();
    let query = location
        .strip_prefix(&format!("{}/authorize?", idp.issuer))
        .unwrap_or_else(|| panic!("{location} is not the provider's authorization endpoint"));
    let params: HashMap<String, String> = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), percent_decode(v))
        })
        .collect();
    let set_cookie = set_cookies(&a)
        .into_iter()
        .find(|c| c.contains("rampart_oidc="))
        .expect("the login sets the pending sign-in cookie");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    Started {
        cookie,
        set_cookie,
        params,
    }
}

async fn callback(web: &Web, cookie: Option<&str>, state: &str, code: &str) -> Answer {
    get(
        web,
        &format!("/auth/oidc/callback?code={code}&state={state}"),
        cookie,
    )
    .await
}

/// Signs the provider's token for a sign-in.
type MakeToken<'a> = Box<dyn Fn(&Started) -> String + 'a>;

/// Start, let the provider answer with the token `make` signs for this
/// sign-in, and come back.
async fn sign_in(
    web: &Web,
    idp: &Idp,
    next: &str,
    make: impl FnOnce(&Started) -> String,
) -> Answer {
    let s = start(web, idp, next).await;
    let code = idp.grant(&s, make(&s));
    callback(web, Some(&s.cookie), &s.params["state"], &code).await
}

/// The new session cookie (`name=value`) an answer sets, if any.
fn session_cookie(a: &Answer) -> Option<String> {
    set_cookies(a)
        .into_iter()
        .filter(|c| c.starts_with("rampart_session=") || c.starts_with("__Host-rampart_session="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .find(|c| !c.ends_with('='))
}

/// Refused with this status and words, with no session, the pending
/// sign-in cleared, and nothing of a token on the page.
#[track_caller]
fn assert_refused(a: &Answer, status: StatusCode, words: &str) {
    assert_eq!(a.status, status, "{}", a.text);
    assert!(session_cookie(a).is_none(), "{:?}", set_cookies(a));
    assert!(
        set_cookies(a)
            .iter()
            .any(|c| c.starts_with("rampart_oidc=;") && c.contains("Max-Age=0")),
        "the pending sign-in is cleared: {:?}",
        set_cookies(a)
    );
    assert!(a.text.contains("Single sign-on failed"), "{}", a.text);
    assert!(a.text.contains(words), "{words:?} not in {}", a.text);
    assert!(!a.text.contains("eyJ"), "a token on the page: {}", a.text);
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_sign_in_starts_a_session_as_the_mapped_user() {
    let idp = Idp::start().await;
    let web = app(&idp, false).await;

    // The login page offers single sign-on, keeping where to go.
    let page = get(&web, "/login?next=/risks", None).await;
    assert!(
        page.text.contains("Log in with single sign-on"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("href=\"/auth/oidc/login?next=/risks\""),
        "{}",
        page.text
    );

    let s = start(&web, &idp, "/risks").await;
    // The request to the provider: code flow, PKCE S256, state and nonce.
    let p = &s.params;
    assert_eq!(p["response_type"], "code");
    assert_eq!(p["client_id"], CLIENT_ID);
    assert_eq!(
        p["redirect_uri"],
        "http://localhost:8080/auth/oidc/callback"
    );
    assert_eq!(p["scope"], "openid email profile");
    assert_eq!(p["code_challenge_method"], "S256");
    assert_eq!(p["code_challenge"].len(), 43);
    assert!(p["state"].len() >= 43 && p["nonce"].len() >= 43);
    assert_ne!(p["state"], p["nonce"]);
    // The pending sign-in cookie: HttpOnly, Lax (it must come back with
    // the provider's redirect), ten minutes, and holds no secret of ours.
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=600"] {
        assert!(
            s.set_cookie.contains(attr),
            "{attr} not in {}",
            s.set_cookie
        );
    }
    assert!(!s.set_cookie.contains("Secure"), "{}", s.set_cookie);

    let token = idp.sign(Sign::Rsa, &idp.claims(&p["nonce"], "ann.sso@example.TEST"));
    let code = idp.grant(&s, token);
    let a = callback(&web, Some(&s.cookie), &p["state"], &code).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // Onwards by Refresh (a same-site navigation that the SameSite=Strict
    // session cookie comes with), to where the user was going.
    assert_eq!(a.headers[header::REFRESH], "0; url=/risks");
    assert!(a.text.contains("href=\"/risks\""), "{}", a.text);
    assert!(
        set_cookies(&a)
            .iter()
            .any(|c| c.starts_with("rampart_oidc=;") && c.contains("Max-Age=0")),
        "{:?}",
        set_cookies(&a)
    );
    let session = session_cookie(&a).expect("a session cookie");
    let set = set_cookies(&a)
        .into_iter()
        .find(|c| c.starts_with("rampart_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let me = get(&web, "/api/v1/me", Some(&session)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["id"], "ann-sso");
    assert_eq!(me.body["role"], "viewer");
    assert_eq!(me.body["sites"], json!(["hq"]));

    // The code is redeemed once: replaying the callback fails (the pending
    // sign-in is gone from the browser too).
    let again = callback(&web, Some(&s.cookie), &p["state"], &code).await;
    assert_refused(
        &again,
        StatusCode::UNAUTHORIZED,
        "did not confirm the sign-in",
    );

    // ES256 works as well.
    let a = sign_in(&web, &idp, "/", |s| {
        idp.sign(
            Sign::Ec,
            &idp.claims(&s.params["nonce"], "ann.sso@example.test"),
        )
    })
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(session_cookie(&a).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_answer_is_refused_with_no_session() {
    let idp = Idp::start().await;
    let web = app(&idp, false).await;
    let ann = "ann.sso@example.test";

    // Wrong state: refused before the code is redeemed.
    let s = start(&web, &idp, "/").await;
    let code = idp.grant(
        &s,
        idp.sign(Sign::Rsa, &idp.claims(&s.params["nonce"], ann)),
    );
    let before = idp.token_requests();
    let a = callback(&web, Some(&s.cookie), "not-the-state", &code).await;
    assert_refused(&a, StatusCode::BAD_REQUEST, "Start again");
    assert_eq!(idp.token_requests(), before);
    // No pending sign-in cookie (another browser, or it expired).
    let a = callback(&web, None, &s.params["state"], &code).await;
    assert_refused(&a, StatusCode::BAD_REQUEST, "Start again");
    assert_eq!(idp.token_requests(), before);
    // The provider's own refusal.
    let a = get(
        &web,
        "/auth/oidc/callback?error=access_denied&error_description=no",
        Some(&s.cookie),
    )
    .await;
    assert_refused(&a, StatusCode::FORBIDDEN, "access_denied");

    let claims = |s: &Started| idp.claims(&s.params["nonce"], ann);
    let with = |mut v: Value, k: &str, x: Value| {
        v[k] = x;
        v
    };
    let other_key = ec_key();
    let cases: Vec<(&str, MakeToken<'_>, StatusCode, &str)> = vec![
        (
            "wrong nonce",
            Box::new(|s| idp.sign(Sign::Rsa, &with(claims(s), "nonce", "another".into()))),
            StatusCode::UNAUTHORIZED,
            "could not be verified",
        ),
        (
            "wrong audience",
            Box::new(|s| idp.sign(Sign::Rsa, &with(claims(s), "aud", "someone-else".into()))),
            StatusCode::UNAUTHORIZED,
            "could not be verified",
        ),
        (
            "several audiences without azp",
            Box::new(|s| {
                idp.sign(
                    Sign::Rsa,
                    &with(claims(s), "aud", json!([CLIENT_ID, "other"])),
                )
            }),
            StatusCode::UNAUTHORIZED,
            "could not be verified",
        ),
        (
            "wrong issuer",
            Box::new(|s| {
                idp.sign(
                    Sign::Rsa,
                    &with(claims(s), "iss", "https://evil.example".into()),
                )
            }),
            StatusCode::UNAUTHORIZED,
            "could not be verified",
        ),
        (
            "expired",
            Box::new(|s| {
                let c = with(claims(s), "exp", (now() - 600).into());
                idp.sign(Sign::Rsa, &with(c, "iat", (now() - 900).into()))
            }),
            StatusCode::UNAUTHORIZED,
            "could not be verified",
        ),
        (
            "alg none",
            Box::new(|s| idp.sign(Sign::None, &claims(s))),
            StatusCode::UNAUTHORIZED,
            "could not be verified",
        ),
        (
            "signed by another key",
            Box::new(|s| idp.sign(Sign::Foreign(&other_key), &claims(s))),
            StatusCode::UNAUTHORIZED,
            "could not be verified",
        ),
        (
            "unknown email",
            Box::new(|s| {
                idp.sign(
                    Sign::Rsa,
                    &idp.claims(&s.params["nonce"], "nobody@example.test"),
                )
            }),
            StatusCode::FORBIDDEN,
            "does not create accounts",
        ),
        (
            "disabled user",
            Box::new(|s| {
                idp.sign(
                    Sign::Rsa,
                    &idp.claims(&s.params["nonce"], "dan@example.test"),
                )
            }),
            StatusCode::FORBIDDEN,
            "disabled",
        ),
        (
            "email not verified",
            Box::new(|s| idp.sign(Sign::Rsa, &with(claims(s), "email_verified", false.into()))),
            StatusCode::FORBIDDEN,
            "not verified your email",
        ),
    ];
    for (name, make, status, words) in cases {
        let a = sign_in(&web, &idp, "/", make).await;
        eprintln!("case: {name}");
        assert_refused(&a, status, words);
    }
    // None of them left a session behind in the store.
    let still = get(&web, "/api/v1/me", None).await;
    assert_eq!(still.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsafe_next_goes_home_and_secure_cookies_use_the_host_prefix() {
    let idp = Idp::start().await;
    let web = app(&idp, true).await;
    for next in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let a = sign_in(&web, &idp, &query_encode(next), |s| {
            idp.sign(
                Sign::Rsa,
                &idp.claims(&s.params["nonce"], "ann.sso@example.test"),
            )
        })
        .await;
        assert_eq!(a.status, StatusCode::OK, "{next}: {}", a.text);
        assert_eq!(a.headers[header::REFRESH], "0; url=/", "{next}");
        let session = session_cookie(&a).expect("a session");
        assert!(session.starts_with("__Host-rampart_session="), "{session}");
        let me = get(&web, "/api/v1/me", Some(&session)).await;
        assert_eq!(me.body["id"], "ann-sso");
    }
    let s = start(&web, &idp, "/").await;
    assert!(s.cookie.starts_with("__Host-rampart_oidc="), "{}", s.cookie);
    assert!(
        s.set_cookie.contains("Secure") && s.set_cookie.contains("Path=/"),
        "{}",
        s.set_cookie
    );
}

/// `rampart serve` with single sign-on: the secret comes from the
/// environment only and is never printed; a plain-http issuer is refused.
#[test]
fn serve_takes_the_secret_from_the_environment_and_never_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("r.db").display());
    let serve = |issuer: &str, secret: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"));
        c.args([
            "serve",
            "--db",
            &db,
            "--listen",
            "127.0.0.1:0",
            "--oidc-issuer",
            issuer,
            "--oidc-client-id",
            "rampart",
            "--public-url",
            "https://rampart.example.com",
        ])
        .env_remove("RAMPART_DATABASE_URL")
        .env_remove("RAMPART_OIDC_CLIENT_SECRET")
        .env("RAMPART_ACTOR", "tester@test");
        if let Some(s) = secret {
            c.env("RAMPART_OIDC_CLIENT_SECRET", s);
        }
        c.output().unwrap()
    };
    let out = serve("https://idp.example.com", None);
    assert!(!out.status.success());
    assert!(
        util::stderr(&out).contains("RAMPART_OIDC_CLIENT_SECRET"),
        "{}",
        util::stderr(&out)
    );
    let secret = "do-not-print-this-secret";
    let out = serve("http://idp.example.com", Some(secret));
    assert!(!out.status.success());
    let text = format!("{}{}", util::stdout(&out), util::stderr(&out));
    assert!(
        text.contains("--oidc-issuer") && text.contains("https"),
        "{text}"
    );
    assert!(!text.contains(secret), "{text}");
    // A client id without an issuer is a usage error.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--oidc-client-id", "rampart"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        util::stderr(&out).contains("--oidc-issuer"),
        "{}",
        util::stderr(&out)
    );
}
