//! OpenID Connect single sign-on (cargo feature `oidc`): the authorization
//! code flow with PKCE (S256), `state` and `nonce`.
//!
//! - `GET /auth/oidc/login?next=/path` reads the issuer's discovery document
//!   and JWKS (cached per process for an hour: safe to lose), makes a state,
//!   a nonce and a PKCE verifier, keeps them in a short-lived HttpOnly cookie
//!   (SameSite=Lax, so that it comes back with the identity provider's
//!   redirect; Secure with the `__Host-` prefix behind TLS; ten minutes) and
//!   sends the browser to the authorization endpoint. Nothing is kept in the
//!   process, so the callback may reach any server behind a load balancer.
//! - `GET /auth/oidc/callback?code&state` compares the state in constant
//!   time, exchanges the code (with the verifier and the client secret),
//!   checks the ID token (signature by the JWKS key its `kid` names, RS256,
//!   RS384, RS512, PS256, PS384, PS512, ES256 or ES384 and nothing else;
//!   `iss`, `aud`, `azp`, `exp`, `iat`, `nbf`, `nonce`), maps the configured
//!   claim (default `email`, which must be verified) to an existing, enabled
//!   user with that email address, and starts a session exactly as a
//!   password login does ([`auth::start_session`]). Accounts are never
//!   created here: an administrator provisions them with their role and
//!   sites.
//! - The session cookie is SameSite=Strict, which a browser withholds on a
//!   navigation that a redirect from another site started: so the callback
//!   answers with a small page that moves on to `next` by `Refresh`
//!   (initiated by this site), not with a redirect the cookie would miss.
//! - Signatures are checked with `ring`, which the HTTP client's TLS
//!   (rustls) needs anyway; see ARCHITECTURE.md for the choice.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rampart_domain::{EntityKind, Id, User};
use rampart_store::{FieldFilter, FieldPath, FilterOp, FilterValue, ListQuery};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::auth;
use crate::problem::Problem;
use crate::state::AppState;
use crate::ui::{self, Layout, PageError};

/// The scopes asked for.
pub const SCOPES: &str = "openid email profile";
pub const LOGIN_PATH: &str = "/auth/oidc/login";
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// How long a started sign-in may take at the identity provider.
const PENDING_FOR: Duration = Duration::from_secs(10 * 60);
/// How long the discovery document and the JWKS are reused.
const PROVIDER_TTL: Duration = Duration::from_secs(3600);
/// An unknown `kid` fetches the JWKS again (key rotation), at most this often.
const JWKS_REFETCH_AFTER: Duration = Duration::from_secs(60);
/// Clock difference tolerated on `exp`, `iat` and `nbf`.
const LEEWAY_SECS: i64 = 60;
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest document read from the identity provider.
const MAX_DOCUMENT_BYTES: u64 = 1024 * 1024;
const MAX_TOKEN_BYTES: usize = 64 * 1024;
const CACHE_KEY: &str = "oidc:provider";

// ------------------------------------------------------------ configuration

/// The client secret: never printed (its `Debug` is redacted).
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: String) -> ClientSecret {
        ClientSecret(secret)
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(redacted)")
    }
}

/// The single sign-on settings of a server process.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    issuer: String,
    client_id: String,
    client_secret: ClientSecret,
    public_url: String,
    claim: String,
}

/// Whether a URL may be used: https, or http to this machine (a test's
/// mock identity provider, a development setup).
fn allowed_url(url: &str) -> Result<Uri, String> {
    if url.contains(['#', '?']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{url:?} must be a plain URL, without query, fragment or spaces"
        ));
    }
    let uri: Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
    let host = uri.host().unwrap_or("");
    if host.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_loopback(host) => Ok(uri),
        _ => Err(format!(
            "{url:?} must use https (http only for 127.0.0.1, [::1] or localhost)"
        )),
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
}

impl OidcConfig {
    /// Check and keep the settings. `issuer` is used exactly as given: it
    /// must equal the `issuer` of the discovery document and the `iss` of
    /// every ID token.
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: ClientSecret,
        public_url: &str,
        claim: &str,
    ) -> Result<OidcConfig, String> {
        allowed_url(issuer).map_err(|e| format!("--oidc-issuer: {e}"))?;
        let public_url = public_url.trim_end_matches('/');
        allowed_url(public_url).map_err(|e| format!("--public-url: {e}"))?;
        if client_id.is_empty()
            || client_id.len() > 255
            || client_id.chars().any(|c| c.is_control())
        {
            return Err("--oidc-client-id: 1 to 255 characters, no control characters".into());
        }
        if client_secret.expose().is_empty() {
            return Err("the OIDC client secret is empty".into());
        }
        let claim_ok = !claim.is_empty()
            && claim.len() <= 64
            && claim
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:/".contains(c));
        if !claim_ok {
            return Err(format!("--oidc-claim: {claim:?} is not a claim name"));
        }
        Ok(OidcConfig {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            public_url: public_url.to_owned(),
            claim: claim.to_owned(),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn claim(&self) -> &str {
        &self.claim
    }

    /// The redirect URI to register at the identity provider.
    pub fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.public_url)
    }

    fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

// ------------------------------------------------------------ PKCE and randomness

/// 256 random bits, base64url without padding (43 characters: a valid PKCE
/// verifier, and a state or nonce no one can guess).
fn random_token() -> Result<String, Refusal> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not start the sign-in; try again.",
            format!("reading randomness: {e}"),
        )
    })?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The S256 code challenge of a PKCE verifier (RFC 7636, 4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

// ------------------------------------------------------------ the pending sign-in cookie

/// What the browser carries between the login and the callback.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    /// Unix seconds when the sign-in started (the cookie's own expiry is
    /// the browser's to enforce; this one is ours).
    at: i64,
}

impl Pending {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Option<Pending> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

fn cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-rampart_oidc"
    } else {
        "rampart_oidc"
    }
}

fn pending_cookie(state: &AppState, value: String) -> Cookie<'static> {
    // The value is base64url, so parsing it back with the lifetime cannot
    // change it (the cookie crate's Max-Age type is not re-exported).
    let text = format!(
        "{}={value}; Max-Age={}",
        cookie_name(state),
        PENDING_FOR.as_secs()
    );
    let mut c = Cookie::parse(text).unwrap_or_else(|_| Cookie::new(cookie_name(state), ""));
    c.set_http_only(true);
    // Lax: the identity provider's redirect back is a top-level GET from
    // another site, which a Strict cookie would not come with.
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(state.config.secure_cookies);
    c
}

fn cleared_pending_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = pending_cookie(state, String::new());
    c.make_removal();
    c
}

// ------------------------------------------------------------ failures

/// A refused sign-in: what the person is told, and what the log says
/// (never a token, a code or a secret).
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    shown: String,
    reason: String,
}

impl Refusal {
    fn new(status: StatusCode, shown: impl Into<String>, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            shown: shown.into(),
            reason: reason.into(),
        }
    }

    fn provider(reason: impl Into<String>) -> Refusal {
        Refusal::new(
            StatusCode::BAD_GATEWAY,
            "The identity provider could not be reached or answered unexpectedly. Try again later, or log in with your password.",
            reason,
        )
    }

    fn token(reason: impl Into<String>) -> Refusal {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            "The identity provider's answer could not be verified, so you are not logged in. Start again from the login page.",
            reason,
        )
    }

    fn restart(reason: impl Into<String>) -> Refusal {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired, was already used, or was started in another browser or tab. Start again from the login page.",
            reason,
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        tracing::warn!(status = self.status.as_u16(), reason = %self.reason, "single sign-on refused");
        let mut p = Problem::new(self.status, self.shown);
        p.title = "Single sign-on failed".to_owned();
        let layout = Layout::bare(p.title.clone());
        let mut res = PageError(p, Some(layout)).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

// ------------------------------------------------------------ the identity provider

/// One key of the identity provider's JWKS.
#[derive(Debug, Clone, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

/// The keys of a JWKS document; entries that are not keys we understand
/// are skipped (a JWKS may hold encryption keys or other types).
fn parse_jwks(doc: &Value) -> Result<Vec<Jwk>, String> {
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the JWKS has no \"keys\" list")?;
    Ok(keys
        .iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .collect())
}

/// What the discovery document and the JWKS say, as cached.
#[derive(Debug)]
struct Provider {
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    /// `client_secret_basic` (the default) or `client_secret_post`.
    basic_auth: bool,
    keys: Vec<Jwk>,
    fetched: Instant,
    keys_fetched: Instant,
}

/// The HTTP client: rustls with the ring provider and the Mozilla roots,
/// no redirects (every URL is checked before it is used), ten seconds.
fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .timeout_global(Some(HTTP_TIMEOUT))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(concat!("rampart/", env!("CARGO_PKG_VERSION")))
            .build()
            .into()
    })
}

/// A response's status and body, read with a size limit.
fn read(
    res: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, String), String> {
    let mut res = res.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body = res
        .body_mut()
        .with_config()
        .limit(MAX_DOCUMENT_BYTES)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// GET a JSON document (off the async threads).
async fn get_json(url: String) -> Result<Value, String> {
    allowed_url(&url)?;
    let shown = url.clone();
    let (status, body) = tokio::task::spawn_blocking(move || {
        read(
            agent()
                .get(&url)
                .header("accept", "application/json")
                .call(),
        )
    })
    .await
    .map_err(|e| e.to_string())??;
    if status != 200 {
        return Err(format!("{shown} answered HTTP {status}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("{shown} is not JSON: {e}"))
}

fn endpoint(doc: &Value, name: &str) -> Result<String, String> {
    let url = doc
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the discovery document has no {name}"))?;
    allowed_url(url).map_err(|e| format!("{name}: {e}"))?;
    Ok(url.to_owned())
}

async fn fetch_provider(cfg: &OidcConfig) -> Result<Provider, String> {
    let doc = get_json(cfg.discovery_url()).await?;
    let issuer = doc.get("issuer").and_then(Value::as_str).unwrap_or("");
    if issuer != cfg.issuer {
        return Err(format!(
            "the discovery document names the issuer {issuer:?}, not {:?}; configure exactly that value",
            cfg.issuer
        ));
    }
    let methods: Vec<&str> = doc
        .get("token_endpoint_auth_methods_supported")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let basic_auth = methods.is_empty() || methods.contains(&"client_secret_basic");
    if !basic_auth && !methods.contains(&"client_secret_post") {
        return Err(format!(
            "the token endpoint takes none of client_secret_basic and client_secret_post (it offers {methods:?})"
        ));
    }
    let jwks_uri = endpoint(&doc, "jwks_uri")?;
    let keys = parse_jwks(&get_json(jwks_uri.clone()).await?)?;
    let now = Instant::now();
    Ok(Provider {
        authorization_endpoint: endpoint(&doc, "authorization_endpoint")?,
        token_endpoint: endpoint(&doc, "token_endpoint")?,
        jwks_uri,
        basic_auth,
        keys,
        fetched: now,
        keys_fetched: now,
    })
}

/// The identity provider's settings, from this process's cache while fresh.
async fn provider(state: &AppState, cfg: &OidcConfig) -> Result<Arc<Provider>, Refusal> {
    if let Some(p) = state.cached::<Provider>(CACHE_KEY)
        && p.fetched.elapsed() < PROVIDER_TTL
    {
        return Ok(p);
    }
    let p = Arc::new(fetch_provider(cfg).await.map_err(Refusal::provider)?);
    state.cache(CACHE_KEY.to_owned(), p.clone());
    Ok(p)
}

/// The same settings with the JWKS read again (a key the token names is
/// unknown: the provider may have rotated its keys), unless it was read
/// within the last minute.
async fn refetch_keys(state: &AppState, p: &Provider) -> Option<Arc<Provider>> {
    if p.keys_fetched.elapsed() < JWKS_REFETCH_AFTER {
        return None;
    }
    let keys = match get_json(p.jwks_uri.clone())
        .await
        .and_then(|d| parse_jwks(&d))
    {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "reading the identity provider's keys again");
            return None;
        }
    };
    let fresh = Arc::new(Provider {
        authorization_endpoint: p.authorization_endpoint.clone(),
        token_endpoint: p.token_endpoint.clone(),
        jwks_uri: p.jwks_uri.clone(),
        basic_auth: p.basic_auth,
        keys,
        fetched: p.fetched,
        keys_fetched: Instant::now(),
    });
    state.cache(CACHE_KEY.to_owned(), fresh.clone());
    Some(fresh)
}

/// `application/x-www-form-urlencoded` encoding of one value, as the client
/// credentials of HTTP Basic authentication need (RFC 6749, 2.3.1).
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Exchange the code at the token endpoint; the ID token.
async fn redeem(
    cfg: &OidcConfig,
    p: &Provider,
    code: &str,
    verifier: &str,
) -> Result<String, Refusal> {
    let mut form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.to_owned()),
        ("redirect_uri", cfg.redirect_uri()),
        ("code_verifier", verifier.to_owned()),
    ];
    let mut request = agent()
        .post(&p.token_endpoint)
        .header("accept", "application/json");
    if p.basic_auth {
        let pair = format!(
            "{}:{}",
            form_encode(&cfg.client_id),
            form_encode(cfg.client_secret.expose())
        );
        request = request.header("authorization", format!("Basic {}", STANDARD.encode(pair)));
    } else {
        form.push(("client_id", cfg.client_id.clone()));
        form.push(("client_secret", cfg.client_secret.expose().to_owned()));
    }
    let (status, body) = tokio::task::spawn_blocking(move || read(request.send_form(form)))
        .await
        .map_err(|e| Refusal::provider(format!("the token request: {e}")))?
        .map_err(|e| Refusal::provider(format!("the token endpoint: {e}")))?;
    let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if status != 200 {
        // The error code and description are the provider's words, never
        // a token; the body is not logged whole.
        let error = answer.get("error").and_then(Value::as_str).unwrap_or("?");
        let description = answer
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("");
        let reason = format!("the token endpoint answered HTTP {status}: {error} {description}");
        return Err(if (400..500).contains(&status) {
            Refusal::new(
                StatusCode::UNAUTHORIZED,
                "The identity provider did not confirm the sign-in. Start again from the login page.",
                reason,
            )
        } else {
            Refusal::provider(reason)
        });
    }
    answer
        .get("id_token")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Refusal::provider("the token endpoint's answer has no id_token"))
}

// ------------------------------------------------------------ ID token checks

/// The signature algorithms accepted: asymmetric only (`none` and the HMAC
/// family, which would take the client secret as a key, are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
}

impl Alg {
    fn parse(name: &str) -> Option<Alg> {
        Some(match name {
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
        }
    }

    /// The key type and, for EC keys, the curve this algorithm needs.
    fn fits(self, jwk: &Jwk) -> bool {
        match self {
            Alg::Es256 => jwk.kty == "EC" && jwk.crv.as_deref() == Some("P-256"),
            Alg::Es384 => jwk.kty == "EC" && jwk.crv.as_deref() == Some("P-384"),
            _ => jwk.kty == "RSA",
        }
    }
}

fn b64(field: &str, text: Option<&str>) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(text.ok_or_else(|| format!("the key has no {field}"))?)
        .map_err(|_| format!("the key's {field} is not base64url"))
}

/// Check a JWS signature with a JWK.
fn verify_signature(alg: Alg, jwk: &Jwk, message: &[u8], signature: &[u8]) -> Result<(), String> {
    use ring::signature as sig;
    let bad = |_| "the signature does not match the key".to_owned();
    match alg {
        Alg::Es256 | Alg::Es384 => {
            let (len, algorithm) = if alg == Alg::Es256 {
                (32, &sig::ECDSA_P256_SHA256_FIXED)
            } else {
                (48, &sig::ECDSA_P384_SHA384_FIXED)
            };
            let (x, y) = (b64("x", jwk.x.as_deref())?, b64("y", jwk.y.as_deref())?);
            if x.len() != len || y.len() != len {
                return Err("the EC key's coordinates have the wrong length".into());
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            sig::UnparsedPublicKey::new(algorithm, point)
                .verify(message, signature)
                .map_err(bad)
        }
        _ => {
            let params = match alg {
                Alg::Rs256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                Alg::Rs384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                Alg::Rs512 => &sig::RSA_PKCS1_2048_8192_SHA512,
                Alg::Ps256 => &sig::RSA_PSS_2048_8192_SHA256,
                Alg::Ps384 => &sig::RSA_PSS_2048_8192_SHA384,
                _ => &sig::RSA_PSS_2048_8192_SHA512,
            };
            // RFC 7518 6.3.1.1: some encoders keep a leading zero octet,
            // which ring's minimal encoding refuses.
            let strip = |v: Vec<u8>| {
                let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
                v[start..].to_vec()
            };
            let n = strip(b64("n", jwk.n.as_deref())?);
            let e = strip(b64("e", jwk.e.as_deref())?);
            sig::RsaPublicKeyComponents { n, e }
                .verify(params, message, signature)
                .map_err(bad)
        }
    }
}

/// The key a token's header names: by `kid`, or the only fitting key when
/// the header names none. Keys meant for encryption, or for another
/// algorithm, are never used.
fn select_key<'a>(keys: &'a [Jwk], kid: Option<&str>, alg: Alg) -> Option<&'a Jwk> {
    let mut fitting = keys.iter().filter(|k| {
        k.usage.as_deref().is_none_or(|u| u == "sig")
            && k.alg.as_deref().is_none_or(|a| a == alg.name())
            && alg.fits(k)
    });
    match kid {
        Some(kid) => fitting.find(|k| k.kid.as_deref() == Some(kid)),
        None => {
            let first = fitting.next();
            if fitting.next().is_some() {
                None
            } else {
                first
            }
        }
    }
}

/// What the ID token must say.
#[derive(Debug)]
struct Expect<'a> {
    issuer: &'a str,
    client_id: &'a str,
    nonce: &'a str,
    /// Unix seconds.
    now: i64,
}

/// Why an ID token is refused.
#[derive(Debug, PartialEq)]
enum TokenError {
    /// No key of the JWKS fits the header (the keys may have rotated).
    UnknownKey(String),
    Invalid(String),
}

impl TokenError {
    fn reason(&self) -> String {
        match self {
            TokenError::UnknownKey(k) => format!("no key of the JWKS fits the ID token ({k})"),
            TokenError::Invalid(why) => format!("the ID token is not valid: {why}"),
        }
    }
}

fn invalid(why: impl Into<String>) -> TokenError {
    TokenError::Invalid(why.into())
}

fn number(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let v = claims.get(name)?;
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// Check an ID token's signature and claims; its claims.
fn validate_id_token(
    token: &str,
    keys: &[Jwk],
    expect: &Expect<'_>,
) -> Result<Map<String, Value>, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid("it is too long"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [head, body, signature] = parts.as_slice() else {
        return Err(invalid("it is not a signed JWT of three parts"));
    };
    let json = |part: &str, what: &str| -> Result<Map<String, Value>, TokenError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| invalid(format!("its {what} is not base64url")))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(invalid(format!("its {what} is not a JSON object"))),
        }
    };
    let header = json(head, "header")?;
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let Some(alg) = Alg::parse(alg_name) else {
        return Err(invalid(format!(
            "alg {alg_name:?} is refused (RS256, RS384, RS512, PS256, PS384, PS512, ES256 or ES384 only)"
        )));
    };
    if header.contains_key("crit") {
        return Err(invalid("its header has critical extensions"));
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let key = select_key(keys, kid, alg).ok_or_else(|| {
        TokenError::UnknownKey(format!("kid {:?}, alg {}", kid.unwrap_or(""), alg.name()))
    })?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| invalid("its signature is not base64url"))?;
    let signed = &token[..head.len() + 1 + body.len()];
    verify_signature(alg, key, signed.as_bytes(), &signature).map_err(invalid)?;

    let claims = json(body, "payload")?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(expect.issuer) {
        return Err(invalid(format!(
            "iss {:?} is not the issuer",
            text("iss").unwrap_or("")
        )));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expect.client_id) {
        return Err(invalid("aud does not name this client"));
    }
    match text("azp") {
        Some(azp) if azp != expect.client_id => {
            return Err(invalid("azp names another client"));
        }
        None if audiences.len() > 1 => {
            return Err(invalid("several audiences and no azp"));
        }
        _ => {}
    }
    let exp = number(&claims, "exp").ok_or_else(|| invalid("exp is missing"))?;
    if exp + LEEWAY_SECS <= expect.now {
        return Err(invalid("it has expired"));
    }
    let iat = number(&claims, "iat").ok_or_else(|| invalid("iat is missing"))?;
    if iat - LEEWAY_SECS > expect.now {
        return Err(invalid("it was issued in the future"));
    }
    if let Some(nbf) = number(&claims, "nbf")
        && nbf - LEEWAY_SECS > expect.now
    {
        return Err(invalid("it is not valid yet (nbf)"));
    }
    let nonce = text("nonce").unwrap_or("");
    if !auth::constant_time_eq(nonce.as_bytes(), expect.nonce.as_bytes()) {
        return Err(invalid("the nonce is not this sign-in's"));
    }
    Ok(claims)
}

// ------------------------------------------------------------ the account

fn no_account(reason: String) -> Refusal {
    Refusal::new(
        StatusCode::FORBIDDEN,
        "Your identity provider signed you in, but no enabled Rampart account matches it. Rampart does not create accounts at single sign-on: ask an administrator to add you as a user with your email address, a role and sites.",
        reason,
    )
}

/// The claim's value, checked: an `email` must be verified by the provider.
fn mapped_value(claims: &Map<String, Value>, claim: &str) -> Result<String, Refusal> {
    let value = claims
        .get(claim)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 320)
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::FORBIDDEN,
                format!("The identity provider did not send the {claim} claim Rampart matches accounts by. Ask an administrator to check the single sign-on settings."),
                format!("the ID token has no usable {claim:?} claim"),
            )
        })?;
    if claim == "email" {
        // Some providers send the flag as the text "true".
        let verified = matches!(claims.get("email_verified"), Some(Value::Bool(true)))
            || claims.get("email_verified").and_then(Value::as_str) == Some("true");
        if !verified {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "Your identity provider has not verified your email address, so Rampart cannot match it to an account. Verify it there, then start again.",
                "the ID token's email is not verified (email_verified is not true)",
            ));
        }
    }
    Ok(value.to_owned())
}

/// The one user whose email is `value` (ignoring case), in any organisation.
async fn find_user(state: &AppState, value: &str) -> Result<(Id, User), Refusal> {
    let internal = |e: rampart_store::StoreError| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not complete the sign-in; it has been logged.",
            format!("reading users: {e}"),
        )
    };
    let field = FieldPath::new("email").map_err(|e| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not complete the sign-in.",
            e,
        )
    })?;
    let query = ListQuery {
        filters: vec![FieldFilter {
            field,
            value: FilterValue::Text(value.to_owned()),
            op: FilterOp::Like,
        }],
        ..ListQuery::default()
    };
    let mut found = Vec::new();
    for org in state.db.organisations().await.map_err(internal)? {
        let org = org.value.id;
        for stored in state
            .db
            .list_records(&org, EntityKind::User, &query)
            .await
            .map_err(internal)?
        {
            let user: User = stored.decode().map_err(internal)?.value;
            if user
                .email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(value))
            {
                found.push((org.clone(), user));
            }
        }
    }
    match found.len() {
        0 => Err(no_account(format!("no user has the email {value:?}"))),
        1 => {
            let (org, user) = found.remove(0);
            if user.disabled {
                return Err(Refusal::new(
                    StatusCode::FORBIDDEN,
                    "Your Rampart account is disabled. Ask an administrator.",
                    format!("the user {} ({org}) is disabled", user.id),
                ));
            }
            Ok((org, user))
        }
        n => Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "More than one Rampart account has your email address, so Rampart cannot tell which is yours. Ask an administrator.",
            format!("{n} users have the email {value:?}"),
        )),
    }
}

// ------------------------------------------------------------ the routes

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route(LOGIN_PATH, get(login))
        .route(CALLBACK_PATH, get(callback))
}

fn configured(state: &AppState) -> Result<&OidcConfig, Refusal> {
    state.config.oidc.as_ref().ok_or_else(|| {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "Single sign-on is not set up on this server. Log in with your password.",
            "single sign-on is not configured",
        )
    })
}

fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Percent-encode a query value (everything but the unreserved characters).
fn query_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    match start(&state, q.get("next").map(String::as_str).unwrap_or("")).await {
        Ok((pending, to)) => {
            let jar = jar.add(pending_cookie(&state, pending.encode()));
            (
                jar,
                [(header::CACHE_CONTROL, "no-store")],
                Redirect::to(&to),
            )
                .into_response()
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// A new pending sign-in and the authorization URL to send the browser to.
async fn start(state: &AppState, next: &str) -> Result<(Pending, String), Refusal> {
    let cfg = configured(state)?;
    let p = provider(state, cfg).await?;
    let pending = Pending {
        state: random_token()?,
        nonce: random_token()?,
        verifier: random_token()?,
        next: ui::safe_next(next).unwrap_or("/").to_owned(),
        at: unix_now(),
    };
    let params = [
        ("response_type", "code".to_owned()),
        ("client_id", cfg.client_id.clone()),
        ("redirect_uri", cfg.redirect_uri()),
        ("scope", SCOPES.to_owned()),
        ("state", pending.state.clone()),
        ("nonce", pending.nonce.clone()),
        ("code_challenge", pkce_challenge(&pending.verifier)),
        ("code_challenge_method", "S256".to_owned()),
    ];
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", query_encode(v)))
        .collect();
    let sep = if p.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let to = format!("{}{sep}{}", p.authorization_endpoint, query.join("&"));
    Ok((pending, to))
}

/// The page that carries the browser on to `next` once logged in.
#[derive(Template)]
#[template(
    ext = "html",
    source = r#"{% extends "base.html" %}
{% block content %}
<div class="login-card">
  <h1>Logged in</h1>
  <p>You are logged in as {{ name }}.</p>
  <p><a class="button primary wide" href="{{ next }}">Continue</a></p>
</div>
{% endblock %}"#
)]
struct Continue {
    layout: Layout,
    name: String,
    next: String,
}

async fn callback(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let pending = jar
        .get(cookie_name(&state))
        .and_then(|c| Pending::decode(c.value()));
    // The pending sign-in is used once, whatever happens.
    let jar = jar.add(cleared_pending_cookie(&state));
    match finish(&state, pending, &q).await {
        Ok((cookie_secret, name, next)) => {
            let jar = jar.add(auth::session_cookie(&state, cookie_secret));
            let page = Continue {
                layout: Layout::bare("Logged in"),
                name,
                next: next.clone(),
            };
            let mut res = ui::html(StatusCode::OK, &page);
            let h = res.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            // `next` passed safe_next; one that is not a valid header
            // value leaves only the link.
            if let Ok(v) = HeaderValue::from_str(&format!("0; url={next}")) {
                h.insert(header::REFRESH, v);
            }
            (jar, res).into_response()
        }
        Err(refusal) => {
            if refusal.status != StatusCode::NOT_FOUND {
                state.metrics.login(false);
            }
            (jar, refusal).into_response()
        }
    }
}

/// Check the callback and start a session: the session cookie's secret,
/// the user's name and where to go.
async fn finish(
    state: &AppState,
    pending: Option<Pending>,
    q: &BTreeMap<String, String>,
) -> Result<(String, String, String), Refusal> {
    let cfg = configured(state)?;
    if let Some(error) = q.get("error") {
        // The provider's own code (`access_denied`...), if it is one; its
        // description is logged, not shown.
        let code = if !error.is_empty()
            && error.len() <= 64
            && error.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            error.as_str()
        } else {
            "an error"
        };
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            format!(
                "The identity provider did not sign you in ({code}). Start again from the login page, or log in with your password."
            ),
            format!(
                "the identity provider answered {code}: {}",
                q.get("error_description")
                    .map(String::as_str)
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect::<String>()
            ),
        ));
    }
    let pending = pending.ok_or_else(|| Refusal::restart("no pending sign-in cookie"))?;
    let age = unix_now() - pending.at;
    if !(0..=PENDING_FOR.as_secs() as i64).contains(&age) {
        return Err(Refusal::restart(format!(
            "the pending sign-in is {age} s old"
        )));
    }
    let sent_state = q.get("state").map(String::as_str).unwrap_or("");
    if !auth::constant_time_eq(sent_state.as_bytes(), pending.state.as_bytes()) {
        return Err(Refusal::restart(
            "the state does not match the pending sign-in",
        ));
    }
    // RFC 9207: a provider that names itself must be the one configured.
    if let Some(iss) = q.get("iss")
        && iss != &cfg.issuer
    {
        return Err(Refusal::token(format!(
            "the callback names the issuer {iss:?}"
        )));
    }
    let code = q
        .get("code")
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| Refusal::restart("the callback has no usable code"))?;
    let mut p = provider(state, cfg).await?;
    let id_token = redeem(cfg, &p, code, &pending.verifier).await?;
    let expect = Expect {
        issuer: &cfg.issuer,
        client_id: &cfg.client_id,
        nonce: &pending.nonce,
        now: unix_now(),
    };
    let mut checked = validate_id_token(&id_token, &p.keys, &expect);
    if matches!(checked, Err(TokenError::UnknownKey(_)))
        && let Some(fresh) = refetch_keys(state, &p).await
    {
        p = fresh;
        checked = validate_id_token(&id_token, &p.keys, &expect);
    }
    let claims = checked.map_err(|e| Refusal::token(e.reason()))?;
    let value = mapped_value(&claims, &cfg.claim)?;
    let (org, user) = find_user(state, &value).await?;
    let done = auth::start_session(state, &org, user).await.map_err(|p| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not start your session; it has been logged.",
            format!("starting a session: {}", p.detail),
        )
    })?;
    tracing::info!(user = %done.user.id, org = %org, "logged in with single sign-on");
    Ok((done.cookie_secret, done.user.display_name, pending.next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        // The RFC's example: BASE64URL(SHA256(verifier)), 43 characters.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let v = random_token().unwrap();
        // RFC 7636 4.1: 43 to 128 unreserved characters.
        assert_eq!(v.len(), 43);
        assert!(
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(v, random_token().unwrap());
    }

    fn config(issuer: &str, public: &str) -> Result<OidcConfig, String> {
        OidcConfig::new(
            issuer,
            "rampart",
            ClientSecret::new("s3cret-value".into()),
            public,
            "email",
        )
    }

    #[test]
    fn issuers_must_be_https_except_on_loopback() {
        assert!(
            config(
                "https://idp.example.com/realms/x",
                "https://rampart.example.com"
            )
            .is_ok()
        );
        assert!(config("http://127.0.0.1:8081", "http://localhost:8080/").is_ok());
        let e = config("http://idp.example.com", "https://rampart.example.com").unwrap_err();
        assert!(e.contains("--oidc-issuer") && e.contains("https"), "{e}");
        assert!(config("https://idp.example.com?x=1", "https://r.example.com").is_err());
        assert!(config("ftp://idp.example.com", "https://r.example.com").is_err());
        let e = config("https://idp.example.com", "http://rampart.example.com").unwrap_err();
        assert!(e.contains("--public-url"), "{e}");
        let c = config("https://idp.example.com", "https://rampart.example.com/").unwrap();
        assert_eq!(
            c.redirect_uri(),
            "https://rampart.example.com/auth/oidc/callback"
        );
        assert_eq!(
            c.discovery_url(),
            "https://idp.example.com/.well-known/openid-configuration"
        );
    }

    #[test]
    fn the_client_secret_never_prints() {
        let c = config("https://idp.example.com", "https://r.example.com").unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }

    #[test]
    fn basic_credentials_are_form_encoded() {
        assert_eq!(form_encode("a b:c/ü"), "a+b%3Ac%2F%C3%BC");
        assert_eq!(query_encode("openid email"), "openid%20email");
    }

    #[test]
    fn the_pending_cookie_round_trips_and_refuses_garbage() {
        let p = Pending {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            next: "/risks?site=hq".into(),
            at: 5,
        };
        let back = Pending::decode(&p.encode()).unwrap();
        assert_eq!(
            (back.state, back.next, back.at),
            ("s".into(), "/risks?site=hq".into(), 5)
        );
        assert!(Pending::decode("not base64!").is_none());
        assert!(Pending::decode(&URL_SAFE_NO_PAD.encode("{}")).is_none());
    }

    /// A P-256 key, its JWK and a signer of compact JWS.
    struct Signer {
        pair: EcdsaKeyPair,
        jwk: Jwk,
    }

    impl Signer {
        fn new(kid: &str) -> Signer {
            let rng = SystemRandom::new();
            let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref(), &rng)
                    .unwrap();
            let point = pair.public_key().as_ref();
            let jwk = Jwk {
                kty: "EC".into(),
                kid: Some(kid.into()),
                usage: Some("sig".into()),
                alg: None,
                n: None,
                e: None,
                crv: Some("P-256".into()),
                x: Some(URL_SAFE_NO_PAD.encode(&point[1..33])),
                y: Some(URL_SAFE_NO_PAD.encode(&point[33..65])),
            };
            Signer { pair, jwk }
        }

        fn sign(&self, header: &Value, claims: &Value) -> String {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let sig = self
                .pair
                .sign(&SystemRandom::new(), input.as_bytes())
                .unwrap();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn claims() -> Value {
        serde_json::json!({
            "iss": "https://idp.example.com", "aud": "rampart", "sub": "u1",
            "email": "ann@example.com", "email_verified": true,
            "nonce": "n-1", "iat": NOW - 10, "exp": NOW + 300,
        })
    }

    fn expect() -> Expect<'static> {
        Expect {
            issuer: "https://idp.example.com",
            client_id: "rampart",
            nonce: "n-1",
            now: NOW,
        }
    }

    fn check(
        signer: &Signer,
        header: Value,
        claims: Value,
    ) -> Result<Map<String, Value>, TokenError> {
        validate_id_token(
            &signer.sign(&header, &claims),
            std::slice::from_ref(&signer.jwk),
            &expect(),
        )
    }

    fn with(mut v: Value, key: &str, value: Value) -> Value {
        v[key] = value;
        v
    }

    fn refused(r: Result<Map<String, Value>, TokenError>, why: &str) {
        match r {
            Err(TokenError::Invalid(w)) => assert!(w.contains(why), "{w:?} lacks {why:?}"),
            other => panic!("expected a refusal for {why:?}, got {other:?}"),
        }
    }

    #[test]
    fn a_good_es256_token_passes_and_each_claim_rule_refuses() {
        let s = Signer::new("k1");
        let h = serde_json::json!({"alg": "ES256", "kid": "k1", "typ": "JWT"});
        let ok = check(&s, h.clone(), claims()).unwrap();
        assert_eq!(ok["email"], "ann@example.com");
        // No kid: the only fitting key.
        assert!(check(&s, serde_json::json!({"alg": "ES256"}), claims()).is_ok());
        refused(
            check(
                &s,
                h.clone(),
                with(claims(), "iss", "https://evil.example".into()),
            ),
            "iss",
        );
        refused(
            check(&s, h.clone(), with(claims(), "aud", "other".into())),
            "aud",
        );
        refused(
            check(
                &s,
                h.clone(),
                with(claims(), "aud", serde_json::json!(["rampart", "other"])),
            ),
            "azp",
        );
        let both = with(claims(), "aud", serde_json::json!(["rampart", "other"]));
        assert!(check(&s, h.clone(), with(both, "azp", "rampart".into())).is_ok());
        refused(
            check(&s, h.clone(), with(claims(), "azp", "other".into())),
            "azp",
        );
        // exp within the leeway passes; beyond it, refused.
        assert!(check(&s, h.clone(), with(claims(), "exp", (NOW - 30).into())).is_ok());
        refused(
            check(&s, h.clone(), with(claims(), "exp", (NOW - 61).into())),
            "expired",
        );
        refused(
            check(&s, h.clone(), with(claims(), "iat", (NOW + 600).into())),
            "future",
        );
        refused(
            check(&s, h.clone(), with(claims(), "nbf", (NOW + 600).into())),
            "nbf",
        );
        refused(
            check(&s, h.clone(), with(claims(), "nonce", "n-2".into())),
            "nonce",
        );
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        refused(check(&s, h.clone(), no_nonce), "nonce");
        let mut no_exp = claims();
        no_exp.as_object_mut().unwrap().remove("exp");
        refused(check(&s, h, no_exp), "exp");
    }

    #[test]
    fn none_hmac_and_foreign_keys_are_refused() {
        let s = Signer::new("k1");
        let other = Signer::new("k1");
        let h = serde_json::json!({"alg": "ES256", "kid": "k1"});
        // Signed by another key with the same kid.
        let forged = other.sign(&h, &claims());
        refused(
            validate_id_token(&forged, std::slice::from_ref(&s.jwk), &expect()),
            "signature",
        );
        // alg none, with an empty signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        refused(
            validate_id_token(&none, std::slice::from_ref(&s.jwk), &expect()),
            "none",
        );
        refused(
            check(
                &s,
                serde_json::json!({"alg": "HS256", "kid": "k1"}),
                claims(),
            ),
            "HS256",
        );
        // A header that claims RS256 finds no RSA key: the EC key is not used.
        assert!(matches!(
            check(
                &s,
                serde_json::json!({"alg": "RS256", "kid": "k1"}),
                claims()
            ),
            Err(TokenError::UnknownKey(_))
        ));
        assert!(matches!(
            check(
                &s,
                serde_json::json!({"alg": "ES256", "kid": "k9"}),
                claims()
            ),
            Err(TokenError::UnknownKey(_))
        ));
        refused(
            check(
                &s,
                serde_json::json!({"alg": "ES256", "kid": "k1", "crit": ["exp"]}),
                claims(),
            ),
            "critical",
        );
        // A tampered payload breaks the signature.
        let good = s.sign(&h, &claims());
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        parts[1] =
            URL_SAFE_NO_PAD.encode(with(claims(), "email", "eve@example.com".into()).to_string());
        refused(
            validate_id_token(&parts.join("."), std::slice::from_ref(&s.jwk), &expect()),
            "signature",
        );
        refused(
            validate_id_token("a.b", std::slice::from_ref(&s.jwk), &expect()),
            "three parts",
        );
    }

    #[test]
    fn rs256_verifies_with_a_padded_modulus_and_fails_with_another_exponent() {
        // The committed test key (tests/data/oidc/README.md): a test key only.
        let der = include_bytes!("../../../tests/data/oidc/TEST-ONLY-rsa-2048.pk8.der");
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der).unwrap();
        let public = ring::rsa::PublicKeyComponents::<Vec<u8>>::from(pair.public());
        let header = serde_json::json!({"alg": "RS256", "kid": "r1"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims().to_string())
        );
        let mut sig = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(&sig));
        // Some encoders keep a leading zero octet on the modulus.
        let padded: Vec<u8> = std::iter::once(0).chain(public.n.iter().copied()).collect();
        let jwk = |n: &[u8], e: &[u8]| Jwk {
            kty: "RSA".into(),
            kid: Some("r1".into()),
            usage: None,
            alg: Some("RS256".into()),
            n: Some(URL_SAFE_NO_PAD.encode(n)),
            e: Some(URL_SAFE_NO_PAD.encode(e)),
            crv: None,
            x: None,
            y: None,
        };
        assert!(validate_id_token(&token, &[jwk(&public.n, &public.e)], &expect()).is_ok());
        assert!(validate_id_token(&token, &[jwk(&padded, &public.e)], &expect()).is_ok());
        refused(
            validate_id_token(&token, &[jwk(&public.n, &[3])], &expect()),
            "signature",
        );
        // The same token under PS256 is not accepted with this signature.
        let ps = token.replacen(
            &URL_SAFE_NO_PAD.encode(header.to_string()),
            &URL_SAFE_NO_PAD.encode(r#"{"alg":"PS256","kid":"r1"}"#),
            1,
        );
        let mut any = jwk(&public.n, &public.e);
        any.alg = None;
        refused(validate_id_token(&ps, &[any], &expect()), "signature");
    }

    #[test]
    fn keys_are_chosen_by_kid_use_and_type() {
        let a = Signer::new("a").jwk;
        let mut enc = Signer::new("b").jwk;
        enc.usage = Some("enc".into());
        let keys = vec![a.clone(), enc];
        assert_eq!(
            select_key(&keys, Some("a"), Alg::Es256)
                .unwrap()
                .kid
                .as_deref(),
            Some("a")
        );
        assert!(select_key(&keys, Some("b"), Alg::Es256).is_none());
        assert!(select_key(&keys, Some("a"), Alg::Es384).is_none());
        // Without a kid, only when one key fits.
        assert!(select_key(&keys, None, Alg::Es256).is_some());
        let two = vec![a.clone(), Signer::new("c").jwk];
        assert!(select_key(&two, None, Alg::Es256).is_none());
        let mut pinned = a;
        pinned.alg = Some("ES384".into());
        assert!(select_key(&[pinned], Some("a"), Alg::Es256).is_none());
    }

    #[test]
    fn the_email_claim_must_be_verified() {
        let c = |v: Value| v.as_object().unwrap().clone();
        let ok = c(serde_json::json!({"email": " Ann@Example.com ", "email_verified": true}));
        assert_eq!(mapped_value(&ok, "email").unwrap(), "Ann@Example.com");
        let text = c(serde_json::json!({"email": "a@b.c", "email_verified": "true"}));
        assert!(mapped_value(&text, "email").is_ok());
        for bad in [
            serde_json::json!({"email": "a@b.c", "email_verified": false}),
            serde_json::json!({"email": "a@b.c"}),
            serde_json::json!({"email_verified": true}),
            serde_json::json!({"email": 5, "email_verified": true}),
        ] {
            assert_eq!(
                mapped_value(&c(bad), "email").unwrap_err().status,
                StatusCode::FORBIDDEN
            );
        }
        // Another claim needs no verification flag.
        let upn = c(serde_json::json!({"upn": "ann@corp.example"}));
        assert_eq!(mapped_value(&upn, "upn").unwrap(), "ann@corp.example");
    }
}
