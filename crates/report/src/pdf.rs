//! PDF made in-process: the Typst documents of [`crate::markup`] compiled by
//! typst as a library, with the fonts embedded in `typst-assets`.
//!
//! The [`World`] here knows one source, the files passed beside it (the
//! charts, as bytes) and the embedded fonts; nothing else: no file system,
//! no package, no network, no clock (`today` is the report's as-of date).
//! The document's date and the PDF's timestamp and identifier come from the
//! report, so the same report gives the same bytes.

use std::collections::HashMap;
use std::sync::OnceLock;

use thiserror::Error;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::markup::{self, TypstDocument};
use crate::model::{AuditReport, RemediationReport, Report};

/// Why a PDF could not be made.
#[derive(Debug, Error, PartialEq)]
pub enum PdfError {
    #[error("the report's date {0:?} is not a date (YYYY-MM-DD)")]
    Date(String),
    #[error("a file name of the report is not a path Typst accepts: {0}")]
    Path(String),
    #[error("typesetting the report failed: {0}")]
    Typeset(String),
    #[error("writing the PDF failed: {0}")]
    Export(String),
}

/// The security assessment report as PDF.
pub fn assessment_pdf(r: &Report) -> Result<Vec<u8>, PdfError> {
    pdf(&markup::assessment_typst(r))
}

/// The one-page executive briefing as PDF.
pub fn briefing_pdf(r: &Report) -> Result<Vec<u8>, PdfError> {
    pdf(&markup::briefing_typst(r))
}

/// The audit report as PDF.
pub fn audit_pdf(r: &AuditReport) -> Result<Vec<u8>, PdfError> {
    pdf(&markup::audit_typst(r))
}

/// The remediation plan status report as PDF.
pub fn remediation_pdf(r: &RemediationReport) -> Result<Vec<u8>, PdfError> {
    pdf(&markup::remediation_typst(r))
}

/// The embedded fonts, read once.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path).map_err(|e| PdfError::Path(format!("{path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// The world of one report.
struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_owned()));
        }
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::Other(Some("no such file in the report".into())))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn world_of(doc: &TypstDocument) -> Result<ReportWorld, PdfError> {
    let (y, m, d) = parse_date(&doc.date).ok_or_else(|| PdfError::Date(doc.date.clone()))?;
    let today = Datetime::from_ymd(y, m, d).ok_or_else(|| PdfError::Date(doc.date.clone()))?;
    let mut files = HashMap::new();
    for (path, bytes) in &doc.files {
        files.insert(file_id(path)?, Bytes::new(bytes.clone()));
    }
    Ok(ReportWorld {
        main: Source::new(file_id("/main.typ")?, doc.source.clone()),
        files,
        today,
    })
}

/// Compiles a Typst document to PDF.
pub fn pdf(doc: &TypstDocument) -> Result<Vec<u8>, PdfError> {
    let world = world_of(doc)?;
    let today = world.today;
    let result = typst::compile::<PagedDocument>(&world).output;
    let document = result.map_err(|errors| PdfError::Typeset(describe(&world, &errors)))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(doc.ident.clone()),
        creator: Smart::Custom(Some("Rampart".to_owned())),
        timestamp: Some(typst_pdf::Timestamp::new_utc(today)),
        ..Default::default()
    };
    let bytes = typst_pdf::pdf(&document, &options)
        .map_err(|errors| PdfError::Export(describe(&world, &errors)))?;
    // Typst memoises across compilations; keep what a next report can reuse
    // for a while, not forever.
    typst::comemo::evict(10);
    Ok(bytes)
}

fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let mut it = s.trim().splitn(3, '-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    Some((y, m, d))
}

/// The diagnostics in words, with the source line of each where known.
fn describe(world: &ReportWorld, errors: &[typst::diag::SourceDiagnostic]) -> String {
    use typst::WorldExt as _;
    errors
        .iter()
        .take(3)
        .map(|e| {
            let at = world
                .range(e.span)
                .map(|r| {
                    let line = world.main.text()[..r.start.min(world.main.text().len())]
                        .matches('\n')
                        .count()
                        + 1;
                    format!(" (line {line} of the generated source)")
                })
                .unwrap_or_default();
            format!("{}{at}", e.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text of a compiled Typst snippet, for tests of the escaping.
#[cfg(test)]
pub(crate) fn text_of(source: &str) -> Result<String, PdfError> {
    use typst::layout::FrameItem;
    fn walk(frame: &typst::layout::Frame, out: &mut String) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => walk(&g.frame, out),
                FrameItem::Text(t) => out.push_str(&t.text),
                _ => {}
            }
        }
    }
    let world = ReportWorld {
        main: Source::new(file_id("/main.typ")?, source.to_owned()),
        files: HashMap::new(),
        today: Datetime::from_ymd(2026, 5, 1).ok_or_else(|| PdfError::Date(String::new()))?,
    };
    let document = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| PdfError::Typeset(describe(&world, &errors)))?;
    let mut out = String::new();
    for page in document.pages() {
        walk(&page.frame, &mut out);
    }
    Ok(out)
}

/// The number of pages a Typst document lays out to.
#[cfg(test)]
pub(crate) fn pages_of(doc: &TypstDocument) -> Result<usize, PdfError> {
    let world = world_of(doc)?;
    let document = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| PdfError::Typeset(describe(&world, &errors)))?;
    Ok(document.pages().len())
}
