//! Extraction: raw snapshot bytes + source rules (+ the document's terms type) -> normalised
//! Markdown.
//!
//! Invariant: a pure function of its inputs. No I/O, no clock, no randomness; the same bytes,
//! rules and terms type give the same text on every machine, which is what makes `rebuild`
//! possible.

pub mod decode;
pub mod links;
pub mod main_content;
pub mod markdown;
pub mod normalize;
pub mod pdf;
pub mod select;

use clausewatch_core::{ContentHash, DocumentRules, SourceRules};

pub use decode::{sniff_media, MediaKind};
pub use normalize::normalize_markdown;

/// Bumped whenever extraction output may change for the same input; stored with each version.
pub const EXTRACTOR_VERSION: &str = "7";

/// Filters we implement. Others are kept in declarations and reported, never fatal.
pub const KNOWN_FILTERS: &[&str] = &["removeQueryParams"];

/// Between the texts of a combined document's sources.
pub const SOURCE_SEPARATOR: &str = "\n\n- - -\n\n";

/// Bodies larger than this are refused before parsing.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ExtractError {
    #[error("invalid CSS selector {selector:?}: {reason}")]
    InvalidSelector { selector: String, reason: String },
    #[error("selector {selector} matched nothing in the page")]
    SelectorMatchedNothing { selector: String },
    #[error("the selected content of {url} has no text")]
    EmptyContent { url: String },
    #[error("PDF could not be read: {0}")]
    Pdf(String),
    #[error("PDF has no text layer (scanned or image-only)")]
    PdfNoText,
    #[error("content larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("HTML nested deeper than {limit} levels (at least {depth}); refused, since parsing such a page takes quadratic time")]
    TooDeep { depth: usize, limit: usize },
    #[error("{expected} sources declared but {got} captured")]
    SourceCountMismatch { expected: usize, got: usize },
}

impl ExtractError {
    /// A stable short name for summaries and incidents.
    pub fn cause(&self) -> &'static str {
        match self {
            ExtractError::InvalidSelector { .. } => "invalid-selector",
            ExtractError::SelectorMatchedNothing { .. } => "selector-matched-nothing",
            ExtractError::EmptyContent { .. } => "empty-content",
            ExtractError::Pdf(_) => "decode-error",
            ExtractError::PdfNoText => "pdf-no-text",
            ExtractError::TooLarge { .. } => "too-large",
            ExtractError::TooDeep { .. } => "decode-error",
            ExtractError::SourceCountMismatch { .. } => "source-mismatch",
        }
    }
}

/// One captured source: its bytes as fetched, with what the server said about them.
#[derive(Clone, Copy, Debug)]
pub struct SourceInput<'a> {
    pub url: &'a str,
    pub bytes: &'a [u8],
    pub content_type: Option<&'a str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// Normalised Markdown of the whole document.
    pub markdown: String,
    pub text_hash: ContentHash,
    /// Where the pages of PDF sources start in `markdown` (empty for web pages). Kept beside
    /// the text, not in it, so that text reflowed across pages is not a new version.
    pub pages: Vec<PageStart>,
    /// Sources whose `select` rule was set aside and whose text the automatic main-content
    /// finder chose (see [`Mode`]); empty when every rule applied as declared.
    pub automatic_sources: Vec<usize>,
}

/// How a document is extracted besides its rules. The default applies every rule as declared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    /// Sources extracted automatically, their `select` rule set aside (their `remove` rules
    /// still apply): to read an earlier capture the way a later one had to be read.
    pub automatic: Vec<usize>,
    /// A source whose `select` rule matches nothing is extracted automatically instead of
    /// failing. Whether that text is still the document is the caller's judgement (versioning
    /// compares it with the latest version): extraction alone cannot tell.
    pub fall_back: bool,
}

/// The first line of one page of a PDF source in a document's Markdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageStart {
    /// Which source of a combined document (0 for the first).
    pub source: usize,
    /// Page number in that PDF, from 1.
    pub page: u32,
    /// 0-based line index in the normalised Markdown.
    pub line: usize,
}

/// A document's Markdown with a mark before each line where a PDF page starts: `mark` renders
/// the mark (its own line, newline included), `line` each line of text (escaping, say).
pub fn with_page_marks(
    markdown: &str,
    pages: &[PageStart],
    mark: impl Fn(&PageStart) -> String,
    line: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(markdown.len() + pages.len() * 32);
    let mut next = pages.iter().peekable();
    for (n, text) in markdown.split_inclusive('\n').enumerate() {
        while let Some(p) = next.next_if(|p| p.line <= n) {
            out.push_str(&mark(p));
        }
        out.push_str(&line(text));
    }
    out
}

/// The page that holds a given line of a document's Markdown: the last page starting at or
/// before it (`pages` in document order, as [`Extracted::pages`]).
pub fn page_at_line(pages: &[PageStart], line: usize) -> Option<PageStart> {
    pages.iter().rev().find(|p| p.line <= line).copied()
}

/// Syntax check for catalog loading.
pub fn check_css(css: &str) -> Result<(), String> {
    select::parse_css(css).map(|_| ()).map_err(|e| match e {
        ExtractError::InvalidSelector { reason, .. } => reason,
        other => other.to_string(),
    })
}

/// Extract a document from its captured sources, combined in declaration order. `terms_type`
/// (the document's, when known) lets a source with no `select` rule pick its document out of
/// a page that holds several.
pub fn extract_document(
    rules: &DocumentRules,
    terms_type: Option<&str>,
    inputs: &[SourceInput<'_>],
) -> Result<Extracted, ExtractError> {
    extract_document_in(rules, terms_type, inputs, &Mode::default())
}

/// [`extract_document`] in a given [`Mode`]: some sources extracted automatically, or any
/// source whose `select` rule matches nothing. A source that fails automatically too reports
/// its rule's error (which names the selector).
pub fn extract_document_in(
    rules: &DocumentRules,
    terms_type: Option<&str>,
    inputs: &[SourceInput<'_>],
    mode: &Mode,
) -> Result<Extracted, ExtractError> {
    if rules.sources.len() != inputs.len() {
        return Err(ExtractError::SourceCountMismatch { expected: rules.sources.len(), got: inputs.len() });
    }
    let mut combined = String::new();
    // Page starts as (source, page, index among the document's non-blank lines): normalising
    // keeps every non-blank line, in order, so the index survives it.
    let mut page_marks: Vec<(usize, u32, usize)> = Vec::new();
    let mut automatic_sources = Vec::new();
    for (i, (rule, input)) in rules.sources.iter().zip(inputs).enumerate() {
        let automatic = || SourceRules { select: Vec::new(), ..rule.clone() };
        let has_select = !rule.select.is_empty();
        let (md, pages) = if has_select && mode.automatic.contains(&i) {
            automatic_sources.push(i);
            extract_paged_source(&automatic(), terms_type, input)?
        } else {
            match extract_paged_source(rule, terms_type, input) {
                Err(e @ ExtractError::SelectorMatchedNothing { .. }) if has_select && mode.fall_back => {
                    automatic_sources.push(i);
                    extract_paged_source(&automatic(), terms_type, input).map_err(|_| e)?
                }
                other => other?,
            }
        };
        if i > 0 {
            // Sources of a combined document are separated by a rule, as in Open Terms
            // Archive's versions, so readers see where one page ends.
            markdown::join_into(&mut combined, SOURCE_SEPARATOR);
        }
        if !pages.is_empty() {
            let before = non_blank_lines(&combined);
            page_marks.extend(pages.into_iter().map(|(page, at)| (i, page, before + at)));
        }
        markdown::join_into(&mut combined, &format!("\n\n{md}"));
    }
    let markdown = normalize_markdown(&combined);
    let text_hash = ContentHash::of(markdown.as_bytes());
    let pages = if page_marks.is_empty() {
        Vec::new()
    } else {
        let line_of: Vec<usize> =
            markdown.split('\n').enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(n, _)| n).collect();
        page_marks
            .into_iter()
            .filter_map(|(source, page, at)| line_of.get(at).map(|&line| PageStart { source, page, line }))
            .collect()
    };
    Ok(Extracted { markdown, text_hash, pages, automatic_sources })
}

fn non_blank_lines(text: &str) -> usize {
    text.split('\n').filter(|l| !l.trim().is_empty()).count()
}

/// Extract one source to (not yet normalised) Markdown.
pub fn extract_source(rules: &SourceRules, input: &SourceInput<'_>) -> Result<String, ExtractError> {
    extract_paged_source(rules, None, input).map(|(md, _)| md)
}

/// One source's Markdown and, for a PDF, where its pages start (page number, index of the
/// page's first non-blank line).
fn extract_paged_source(
    rules: &SourceRules,
    terms_type: Option<&str>,
    input: &SourceInput<'_>,
) -> Result<(String, Vec<(u32, usize)>), ExtractError> {
    if input.bytes.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge { limit: MAX_INPUT_BYTES });
    }
    let kind = sniff_media(input.bytes, input.content_type);
    let mut pages = Vec::new();
    let md = match kind {
        MediaKind::Pdf => {
            let (md, starts) = pdf::pdf_to_paged_markdown(input.bytes)?;
            pages = starts;
            md
        }
        MediaKind::PlainText => {
            let (text, _) = decode::decode(input.bytes, input.content_type, kind);
            markdown::escape(&text)
        }
        MediaKind::Html => {
            let (text, _) = decode::decode(input.bytes, input.content_type, kind);
            html_to_markdown(&text, rules, terms_type, input.url)?
        }
    };
    if md.trim().is_empty() {
        return Err(ExtractError::EmptyContent { url: input.url.to_string() });
    }
    Ok((md, pages))
}

/// Deeper than this, a page is refused before parsing: html5ever's tree building is quadratic in
/// nesting depth (50,000 levels take seconds), and no real document comes close.
pub const MAX_NESTING: usize = 4096;

/// A cheap upper estimate of the element nesting depth: open tags minus close tags, ignoring
/// void and self-closed elements, comments and declarations.
fn nesting_estimate(text: &str) -> usize {
    const VOID: &[&[u8]] = &[
        b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param", b"source",
        b"track", b"wbr",
    ];
    let bytes = text.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + p + 1;
        i = at;
        match bytes.get(at) {
            Some(b'!') if bytes[at..].starts_with(b"!--") => {
                i = memchr::memmem::find(&bytes[at..], b"-->").map(|e| at + e + 3).unwrap_or(bytes.len());
            }
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_len = bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
                let name = &bytes[at..at + name_len];
                let end = memchr::memchr(b'>', &bytes[at..]).map(|e| at + e).unwrap_or(bytes.len());
                let self_closed = end > at && bytes[end - 1] == b'/';
                // Compared without a lower-case copy: one allocation per tag was most of the cost.
                if !self_closed && !VOID.iter().any(|v| v.eq_ignore_ascii_case(name)) {
                    depth += 1;
                    max = max.max(depth);
                }
            }
            _ => {}
        }
    }
    max
}

fn html_to_markdown(
    text: &str,
    rules: &SourceRules,
    terms_type: Option<&str>,
    url: &str,
) -> Result<String, ExtractError> {
    let depth = nesting_estimate(text);
    if depth > MAX_NESTING {
        return Err(ExtractError::TooDeep { depth, limit: MAX_NESTING });
    }
    let mut html = scraper::Html::parse_document(text);
    select::apply_remove(&mut html, &rules.remove)?;
    let pieces = if rules.select.is_empty() {
        // No select rule: find the main content automatically (adding a platform needs only
        // a URL); when it holds several documents, keep this document's sections (first: a
        // section titled "Cookie Policy" would otherwise go as a cookie banner); then drop the
        // page furniture inside.
        match main_content::find(&html) {
            Some(content) => {
                let roots = terms_type
                    .and_then(|t| main_content::document_sections(&html, content, t))
                    .unwrap_or_else(|| vec![content]);
                for root in &roots {
                    for id in main_content::boilerplate_within(&html, *root) {
                        select::detach(&mut html, id);
                    }
                    for id in main_content::leading_images(&html, *root) {
                        select::detach(&mut html, id);
                    }
                }
                roots.into_iter().map(select::Piece::Subtree).collect()
            }
            None => Vec::new(),
        }
    } else {
        select::apply_select(&html, &rules.select)?
    };
    if pieces.is_empty() {
        let described: Vec<String> = rules.select.iter().map(|s| s.describe()).collect();
        return Err(ExtractError::SelectorMatchedNothing {
            selector: if described.is_empty() { "body".into() } else { described.join(", ") },
        });
    }
    let page_url = url::Url::parse(url).ok();
    // Relative links resolve against `<base href>` when the page has one, as a browser does.
    let base = first_base_href(&html)
        .and_then(|href| match &page_url {
            Some(page) => page.join(&href).ok(),
            None => url::Url::parse(&href).ok(),
        })
        .or(page_url);
    let strip: Vec<String> = rules
        .filters
        .iter()
        .filter_map(|f| f.get("removeQueryParams"))
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let options = markdown::Options { base: base.as_ref(), strip_query_params: &strip };
    Ok(markdown::to_markdown(&html, &pieces, &options))
}

fn first_base_href(html: &scraper::Html) -> Option<String> {
    static BASE: std::sync::OnceLock<scraper::Selector> = std::sync::OnceLock::new();
    let selector = BASE.get_or_init(|| scraper::Selector::parse("base[href]").expect("static selector"));
    html.select(selector).next().and_then(|e| e.value().attr("href")).map(|h| h.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_estimate_counts_open_elements() {
        assert_eq!(nesting_estimate("<html><body><p>a<br>b<img src=x/></p><p>c</p></body></html>"), 3);
        assert_eq!(nesting_estimate(&"<div>".repeat(5000)), 5000);
        assert_eq!(nesting_estimate("<!-- <div> --> text < 3"), 0);
    }
}
