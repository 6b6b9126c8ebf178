//! Evidence checks: what an uploaded file really is, before anything stores
//! or serves it.
//!
//! Given the name the uploader claims, the bytes and a size limit,
//! [`check`] returns the file's metadata (SHA-256 content address, media
//! type detected from the content's magic bytes, size, a safe display name)
//! or says why it is refused: too large, empty, a type that is not allowed,
//! a type that does not match the name's extension, or an SVG that could
//! run something in a browser (script elements, `on*` handlers,
//! `javascript:` URLs, `<foreignObject>`, references outside the file, a
//! DTD).
//!
//! **File names never become paths.** Evidence is stored under its digest;
//! the uploader's name is only ever shown, and only after
//! [`safe_display_name`] has taken out separators, `..`, leading dots and
//! control characters. Storing the bytes, and serving them with the media
//! type found here, is the caller's business: this module does no I/O.

use crate::audit::Sha256;
use std::fmt;
use thiserror::Error;

/// The longest display name kept, in characters (the extension is kept).
pub const MAX_DISPLAY_NAME_CHARS: usize = 120;

/// The kinds of evidence Rampart accepts: photos, documents, text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaType {
    Jpeg,
    Png,
    Gif,
    Webp,
    /// HEIC/HEIF, as phones take photos.
    Heic,
    Pdf,
    PlainText,
    Csv,
    Svg,
}

impl MediaType {
    pub const ALL: [MediaType; 9] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Gif,
        MediaType::Webp,
        MediaType::Heic,
        MediaType::Pdf,
        MediaType::PlainText,
        MediaType::Csv,
        MediaType::Svg,
    ];

    /// The IANA media type to serve it with.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Gif => "image/gif",
            MediaType::Webp => "image/webp",
            MediaType::Heic => "image/heic",
            MediaType::Pdf => "application/pdf",
            MediaType::PlainText => "text/plain",
            MediaType::Csv => "text/csv",
            MediaType::Svg => "image/svg+xml",
        }
    }

    /// The file name extensions (lower case) a file of this type may have.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            MediaType::Png => &["png"],
            MediaType::Gif => &["gif"],
            MediaType::Webp => &["webp"],
            MediaType::Heic => &["heic", "heif"],
            MediaType::Pdf => &["pdf"],
            MediaType::PlainText => &["txt", "text", "log", "md"],
            MediaType::Csv => &["csv"],
            MediaType::Svg => &["svg"],
        }
    }

    /// What a person calls it.
    pub fn name(self) -> &'static str {
        match self {
            MediaType::Jpeg => "JPEG image",
            MediaType::Png => "PNG image",
            MediaType::Gif => "GIF image",
            MediaType::Webp => "WebP image",
            MediaType::Heic => "HEIC image",
            MediaType::Pdf => "PDF document",
            MediaType::PlainText => "plain text",
            MediaType::Csv => "CSV text",
            MediaType::Svg => "SVG drawing",
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.mime())
    }
}

/// What the caller allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidencePolicy {
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// The types accepted.
    pub allowed: Vec<MediaType>,
}

impl EvidencePolicy {
    /// Every type this module knows, up to `max_bytes`.
    pub fn new(max_bytes: u64) -> Self {
        EvidencePolicy {
            max_bytes,
            allowed: MediaType::ALL.to_vec(),
        }
    }
}

/// A file that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceMeta {
    /// The content address.
    pub sha256: Sha256,
    pub media_type: MediaType,
    pub size: u64,
    /// The uploader's name made safe to show (never a path).
    pub display_name: String,
}

/// Why an uploaded file is refused. Each message names the file (by its
/// safe display name).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EvidenceError {
    #[error("evidence file {name:?}: {size} bytes is over the limit of {limit} bytes")]
    TooLarge { name: String, size: u64, limit: u64 },
    #[error("evidence file {name:?} is empty")]
    Empty { name: String },
    #[error(
        "evidence file {name:?}: its content is {found}, which is not a type Rampart accepts (photos, PDF, plain text, CSV, SVG)"
    )]
    UnknownType { name: String, found: String },
    #[error("evidence file {name:?}: {media} is not allowed here")]
    NotAllowed { name: String, media: MediaType },
    #[error(
        "evidence file {name:?}: the content is {media} but the name ends in {extension:?} (expected .{expected})"
    )]
    ExtensionMismatch {
        name: String,
        media: MediaType,
        extension: String,
        expected: &'static str,
    },
    #[error("evidence file {name:?}: an SVG that could run in a browser: {reason}")]
    UnsafeSvg { name: String, reason: String },
    #[error("evidence file {name:?}: not a well-formed SVG: {reason}")]
    BadSvg { name: String, reason: String },
}

/// Check an uploaded file and describe it, or say why it is refused.
pub fn check(
    claimed_name: &str,
    bytes: &[u8],
    policy: &EvidencePolicy,
) -> Result<EvidenceMeta, EvidenceError> {
    let name = safe_display_name(claimed_name);
    let size = bytes.len() as u64;
    if size > policy.max_bytes {
        return Err(EvidenceError::TooLarge {
            name,
            size,
            limit: policy.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(EvidenceError::Empty { name });
    }
    let extension = extension(&name);
    let media = match sniff(bytes) {
        Sniffed::Media(m) => m,
        // Text is CSV or plain by its name; both are served as inert text.
        Sniffed::Text if extension.as_deref() == Some("csv") => MediaType::Csv,
        Sniffed::Text => MediaType::PlainText,
        Sniffed::Svg(text) => {
            svg_is_safe(text).map_err(|e| match e {
                SvgProblem::Unsafe(reason) => EvidenceError::UnsafeSvg {
                    name: name.clone(),
                    reason,
                },
                SvgProblem::Malformed(reason) => EvidenceError::BadSvg {
                    name: name.clone(),
                    reason,
                },
            })?;
            MediaType::Svg
        }
        Sniffed::Other(found) => {
            return Err(EvidenceError::UnknownType {
                name,
                found: found.to_owned(),
            });
        }
    };
    if !policy.allowed.contains(&media) {
        return Err(EvidenceError::NotAllowed { name, media });
    }
    let ext = extension.unwrap_or_default();
    if !media.extensions().contains(&ext.as_str()) {
        return Err(EvidenceError::ExtensionMismatch {
            name,
            media,
            extension: ext,
            expected: media.extensions()[0],
        });
    }
    Ok(EvidenceMeta {
        sha256: Sha256::of(bytes),
        media_type: media,
        size,
        display_name: name,
    })
}

/// The name's extension, lower case, if it has one.
fn extension(safe_name: &str) -> Option<String> {
    safe_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty())
}

enum Sniffed<'a> {
    Media(MediaType),
    Text,
    Svg(&'a str),
    Other(&'static str),
}

/// The type from the content alone.
fn sniff(b: &[u8]) -> Sniffed<'_> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Media(MediaType::Jpeg);
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Media(MediaType::Png);
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Sniffed::Media(MediaType::Gif);
    }
    if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return Sniffed::Media(MediaType::Webp);
    }
    // ISO base media file: a box size, `ftyp`, then the major brand.
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return match &b[8..12] {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
                Sniffed::Media(MediaType::Heic)
            }
            _ => Sniffed::Other("an ISO media file (video?)"),
        };
    }
    if b.starts_with(b"%PDF-") {
        return Sniffed::Media(MediaType::Pdf);
    }
    if b.starts_with(b"PK\x03\x04") {
        return Sniffed::Other("a ZIP archive (or an Office document)");
    }
    let body = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let Ok(text) = std::str::from_utf8(body) else {
        return Sniffed::Other("binary data of an unknown kind");
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C'))
    {
        return Sniffed::Other("binary data of an unknown kind");
    }
    // Markup is never accepted as text: a browser might render it. SVG is
    // markup that passes only after the checks below.
    if text.trim_start().starts_with('<') {
        return if looks_like_svg(text) {
            Sniffed::Svg(text)
        } else {
            Sniffed::Other("markup (HTML or XML)")
        };
    }
    Sniffed::Text
}

fn looks_like_svg(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect::<String>().to_lowercase();
    head.contains("<svg")
}

enum SvgProblem {
    Unsafe(String),
    Malformed(String),
}

/// Refuse anything in an SVG that could run, or fetch, when a browser
/// opens it. The parser does not read DTDs (so no entities are expanded).
fn svg_is_safe(text: &str) -> Result<(), SvgProblem> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => {
            SvgProblem::Unsafe("it has a DTD (<!DOCTYPE ...>), which may declare entities".into())
        }
        other => SvgProblem::Malformed(other.to_string()),
    })?;
    let root = doc.root_element();
    if !root.tag_name().name().eq_ignore_ascii_case("svg") {
        return Err(SvgProblem::Malformed(format!(
            "the root element is <{}>, not <svg>",
            root.tag_name().name()
        )));
    }
    for node in doc.descendants() {
        let line = doc.text_pos_at(node.range().start).row;
        let at = |what: String| SvgProblem::Unsafe(format!("{what} (line {line})"));
        if let Some(pi) = node.pi() {
            return Err(at(format!(
                "a processing instruction <?{} ...?> may load a style sheet",
                pi.target
            )));
        }
        if !node.is_element() {
            continue;
        }
        let tag = node.tag_name().name();
        let lower = tag.to_ascii_lowercase();
        match lower.as_str() {
            "script" => return Err(at("a <script> element".into())),
            "foreignobject" => {
                return Err(at("a <foreignObject> element, which can hold HTML".into()));
            }
            "iframe" | "embed" | "object" | "audio" | "video" | "handler" | "listener" => {
                return Err(at(format!("an <{tag}> element")));
            }
            "style" => {
                let css: String = node.children().filter_map(|c| c.text()).collect::<String>();
                if let Some(why) = css_problem(&css) {
                    return Err(at(format!("a <style> element with {why}")));
                }
            }
            _ => {}
        }
        for a in node.attributes() {
            let name = a.name();
            let value = normalised(a.value());
            if name.len() > 2 && name[..2].eq_ignore_ascii_case("on") {
                return Err(at(format!("an event handler attribute {name}=\"...\"")));
            }
            if value.contains("javascript:") || value.contains("vbscript:") {
                return Err(at(format!("a script URL in {name}=\"...\"")));
            }
            if name.eq_ignore_ascii_case("href") || name.eq_ignore_ascii_case("src") {
                let local = value.starts_with('#')
                    || value.starts_with("data:image/png")
                    || value.starts_with("data:image/jpeg")
                    || value.starts_with("data:image/gif")
                    || value.starts_with("data:image/webp");
                if !local {
                    return Err(at(format!(
                        "a reference outside the file in <{tag} {name}=\"{}\">",
                        a.value()
                    )));
                }
            }
            if name.eq_ignore_ascii_case("style")
                && let Some(why) = css_problem(a.value())
            {
                return Err(at(format!("a style attribute with {why}")));
            }
            if value.contains("url(") && !only_local_urls(&value) {
                return Err(at(format!(
                    "a reference outside the file in {name}=\"...\""
                )));
            }
        }
    }
    Ok(())
}

/// Lower case, without whitespace and control characters (browsers ignore
/// them inside `java\nscript:`).
fn normalised(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Why a piece of CSS is refused, if it is.
fn css_problem(css: &str) -> Option<&'static str> {
    let n = normalised(css);
    if n.contains("@import") {
        Some("an @import")
    } else if n.contains("javascript:") || n.contains("expression(") {
        Some("script in it")
    } else if !only_local_urls(&n) {
        Some("a url() outside the file")
    } else {
        None
    }
}

/// Whether every `url(...)` in normalised text points inside the file.
fn only_local_urls(n: &str) -> bool {
    n.match_indices("url(").all(|(i, _)| {
        let rest = n[i + 4..].trim_start_matches(['\'', '"']);
        rest.starts_with('#')
    })
}

/// The uploader's file name reduced to something safe to show: the last
/// path component only; no `/` or `\`, no control or invisible
/// direction-changing characters, no characters Windows refuses in names, no
/// `..`, no leading dot or space; at most [`MAX_DISPLAY_NAME_CHARS`]
/// characters (keeping the extension). Never empty: `evidence` when nothing
/// is left.
pub fn safe_display_name(claimed: &str) -> String {
    let last = claimed.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut out = String::with_capacity(last.len());
    for c in last.chars() {
        if c.is_control() || is_invisible_format(c) {
            continue;
        }
        let c = if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
            '_'
        } else {
            c
        };
        // No `..`: runs of dots collapse to one.
        if c == '.' && out.ends_with('.') {
            continue;
        }
        out.push(c);
    }
    let trimmed = out
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    let mut name = trimmed.to_owned();
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| e.chars().count() <= 10)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let keep = MAX_DISPLAY_NAME_CHARS - ext.chars().count();
        let stem: String = name.chars().take(keep).collect();
        let stem = stem.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
        name = format!("{stem}{ext}");
    }
    if name.is_empty() {
        "evidence".to_owned()
    } else {
        name
    }
}

/// Zero-width and bidirectional formatting characters, which can make
/// `gpj.exe` look like `exe.jpg`.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{00AD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> EvidencePolicy {
        EvidencePolicy::new(1024)
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn detects_each_type_from_its_magic_bytes() {
        let cases: [(&str, &[u8], MediaType); 10] = [
            ("gate.jpg", b"\xFF\xD8\xFF\xE0\0\x10JFIF", MediaType::Jpeg),
            ("gate.PNG", PNG, MediaType::Png),
            ("a.gif", b"GIF89a\x01\0", MediaType::Gif),
            ("a.webp", b"RIFF\x24\0\0\0WEBPVP8 ", MediaType::Webp),
            ("a.heic", b"\0\0\0\x18ftypheic\0\0\0\0", MediaType::Heic),
            ("report.pdf", b"%PDF-1.7\n", MediaType::Pdf),
            ("notes.txt", b"Gate 3 chain cut.\r\n", MediaType::PlainText),
            ("log.csv", b"\xEF\xBB\xBFtime,door\n02:10,3\n", MediaType::Csv),
            (
                "plan.svg",
                b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"1\" height=\"1\"/></svg>",
                MediaType::Svg,
            ),
            (
                "ref.svg",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><defs><rect id=\"r\" style=\"fill:url(#g)\"/></defs><use xlink:href=\"#r\"/></svg>",
                MediaType::Svg,
            ),
        ];
        for (name, bytes, want) in cases {
            let m = check(name, bytes, &policy()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(m.media_type, want, "{name}");
            assert_eq!(m.size, bytes.len() as u64);
            assert_eq!(m.display_name, name);
        }
    }

    #[test]
    fn the_content_address_is_sha256_of_the_bytes() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let m = check("abc.txt", b"abc", &policy()).unwrap();
        assert_eq!(
            m.sha256.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn size_limit_is_inclusive_and_checked_first() {
        let p = EvidencePolicy::new(4);
        assert!(check("a.txt", b"abcd", &p).is_ok());
        let e = check("a.txt", b"abcde", &p).unwrap_err();
        assert_eq!(
            e,
            EvidenceError::TooLarge {
                name: "a.txt".into(),
                size: 5,
                limit: 4
            }
        );
        assert!(e.to_string().contains("over the limit of 4 bytes"));
        assert!(matches!(
            check("a.txt", b"", &p),
            Err(EvidenceError::Empty { .. })
        ));
    }

    #[test]
    fn type_must_match_the_extension() {
        let e = check("photo.jpg", PNG, &policy()).unwrap_err();
        assert_eq!(
            e,
            EvidenceError::ExtensionMismatch {
                name: "photo.jpg".into(),
                media: MediaType::Png,
                extension: "jpg".into(),
                expected: "png",
            }
        );
        assert!(e.to_string().contains("PNG image"), "{e}");
        // A renamed executable or text is not a photo either way round.
        assert!(matches!(
            check("gate.jpg", b"just text", &policy()),
            Err(EvidenceError::ExtensionMismatch { .. })
        ));
        assert!(matches!(
            check("noextension", PNG, &policy()),
            Err(EvidenceError::ExtensionMismatch { .. })
        ));
        assert!(matches!(
            check("a.exe", b"MZ\x90\0\x03\0\0\0", &policy()),
            Err(EvidenceError::UnknownType { .. })
        ));
    }

    #[test]
    fn types_outside_the_policy_are_refused() {
        let p = EvidencePolicy {
            max_bytes: 1024,
            allowed: vec![MediaType::Jpeg],
        };
        assert_eq!(
            check("a.png", PNG, &p).unwrap_err(),
            EvidenceError::NotAllowed {
                name: "a.png".into(),
                media: MediaType::Png
            }
        );
        for (name, bytes) in [
            (
                "page.html",
                &b"<!DOCTYPE html><html><script>x</script></html>"[..],
            ),
            ("a.txt", b"<html>hi</html>"),
            ("doc.docx", b"PK\x03\x04\x14\0"),
            ("movie.mp4", b"\0\0\0\x18ftypmp42\0\0\0\0"),
            ("a.txt", b"nul \0 inside"),
        ] {
            assert!(
                matches!(
                    check(name, bytes, &policy()),
                    Err(EvidenceError::UnknownType { .. })
                ),
                "{name}"
            );
        }
    }

    fn svg(body: &str) -> Result<EvidenceMeta, EvidenceError> {
        let text = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">{body}</svg>"
        );
        check(
            "drawing.svg",
            text.as_bytes(),
            &EvidencePolicy::new(1 << 20),
        )
    }

    #[test]
    fn svg_with_script_is_refused() {
        let unsafe_bodies = [
            ("<script>alert(1)</script>", "<script>"),
            ("<SCRIPT>alert(1)</SCRIPT>", "<script>"),
            ("<rect onload=\"alert(1)\"/>", "event handler"),
            ("<rect ONCLICK=\"alert(1)\"/>", "event handler"),
            ("<a href=\"javascript:alert(1)\"><rect/></a>", "script URL"),
            (
                "<a xlink:href=\" java\tscript:alert(1)\"><rect/></a>",
                "script URL",
            ),
            (
                "<set attributeName=\"href\" to=\"javascript:alert(1)\"/>",
                "script URL",
            ),
            ("<foreignObject><div/></foreignObject>", "foreignObject"),
            (
                "<image href=\"https://evil.example/p.png\"/>",
                "outside the file",
            ),
            ("<use xlink:href=\"other.svg#a\"/>", "outside the file"),
            ("<rect style=\"fill:url(https://x.example/a)\"/>", "url()"),
            (
                "<style>@import url(https://x.example/a.css);</style>",
                "@import",
            ),
            ("<rect fill=\"url(http://x/#a)\"/>", "outside the file"),
            ("<iframe/>", "<iframe>"),
        ];
        for (body, why) in unsafe_bodies {
            let e = svg(body).unwrap_err();
            assert!(
                matches!(&e, EvidenceError::UnsafeSvg { reason, .. } if reason.contains(why)),
                "{body}: {e}"
            );
        }
        // Local references and embedded raster images are fine.
        svg("<defs><linearGradient id=\"g\"/></defs><rect fill=\"url(#g)\"/><use href=\"#g\"/>")
            .unwrap();
        svg("<image href=\"data:image/png;base64,iVBORw0KGgo=\"/>").unwrap();
    }

    #[test]
    fn svg_dtds_and_bad_xml_are_refused() {
        let xxe = "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg xmlns=\"http://www.w3.org/2000/svg\"><text>&x;</text></svg>";
        let e = check("x.svg", xxe.as_bytes(), &policy()).unwrap_err();
        assert!(
            matches!(&e, EvidenceError::UnsafeSvg { reason, .. } if reason.contains("DTD")),
            "{e}"
        );
        let e = check("x.svg", b"<svg><rect></svg>", &policy()).unwrap_err();
        assert!(matches!(e, EvidenceError::BadSvg { .. }), "{e}");
        let e = check(
            "x.svg",
            b"<?xml-stylesheet href=\"http://x/a.css\"?><svg/>",
            &policy(),
        )
        .unwrap_err();
        assert!(matches!(e, EvidenceError::UnsafeSvg { .. }), "{e}");
        let e = check("x.svg", b"<html><svg/></html>", &policy()).unwrap_err();
        assert!(matches!(e, EvidenceError::BadSvg { .. }), "{e}");
    }

    #[test]
    fn display_names_are_never_paths() {
        let cases = [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\win.ini", "win.ini"),
            ("C:\\photos\\gate 3.jpg", "gate 3.jpg"),
            ("...hidden.txt", "hidden.txt"),
            ("a..b....c.txt", "a.b.c.txt"),
            ("bell\u{7}.txt", "bell.txt"),
            ("evil\u{202E}gpj.exe", "evilgpj.exe"),
            ("what?.txt", "what_.txt"),
            ("..", "evidence"),
            ("", "evidence"),
            ("/", "evidence"),
            ("name. ", "name"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_display_name(input), want, "{input:?}");
        }
        let long = format!("{}.jpeg", "x".repeat(300));
        let short = safe_display_name(&long);
        assert_eq!(short.chars().count(), MAX_DISPLAY_NAME_CHARS);
        assert!(short.ends_with("x.jpeg"));
        // The check reports under the safe name.
        let e = check("../../etc/passwd", b"root:x:0:0", &policy()).unwrap_err();
        assert!(e.to_string().contains("\"passwd\""), "{e}");
    }
}
