//! HTML -> Markdown, following turndown's default rules (the converter Open Terms Archive uses),
//! so our versions read like theirs: setext `h1`/`h2`, `*   ` bullets, `_em_`, `**strong**`,
//! inline links with absolute URLs, GFM pipe tables.
//!
//! Two passes over the selected pieces: whitespace collapsing (turndown's algorithm, across
//! text nodes), then rendering with turndown's `join` of block separators.

use std::collections::{HashMap, HashSet};

use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node};
use url::Url;

use crate::select::Piece;

/// Past this depth a subtree is rendered as plain text (iteratively), so hostile nesting cannot
/// exhaust the stack.
const MAX_DEPTH: usize = 256;

// Matches rather than slice searches: they run several times per element, and a `match` on
// strings compiles to a few length and byte comparisons.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "audio"
            | "blockquote"
            | "body"
            | "canvas"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "frameset"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "isindex"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "noframes"
            | "noscript"
            | "ol"
            | "output"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "command"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "keygen"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}
fn is_meaningful_when_blank(name: &str) -> bool {
    matches!(name, "a" | "table" | "thead" | "tbody" | "tfoot" | "th" | "td" | "iframe" | "script" | "audio" | "video")
}
/// Never text of the document.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "template" | "head" | "title" | "noscript" | "svg" | "math" | "iframe" | "object"
    )
}

/// Collapsed text per text node. NodeIds are small integers: a multiply hash is plenty and much
/// cheaper than SipHash on the hot path.
type TextMap = HashMap<NodeId, String, std::hash::BuildHasherDefault<IdHasher>>;

#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

#[derive(Clone, Copy)]
enum Filter<'a> {
    All,
    Range(&'a HashSet<NodeId>, &'a HashSet<NodeId>),
}

impl<'a> Filter<'a> {
    /// The filter that applies to the children of `id`, or None when `id` is not shown.
    fn enter(self, id: NodeId) -> Option<Filter<'a>> {
        match self {
            Filter::All => Some(Filter::All),
            Filter::Range(full, partial) => {
                if full.contains(&id) {
                    Some(Filter::All)
                } else if partial.contains(&id) {
                    Some(self)
                } else {
                    None
                }
            }
        }
    }
}

pub struct Options<'a> {
    pub base: Option<&'a Url>,
    /// Query parameters stripped from link targets (the `removeQueryParams` filter).
    pub strip_query_params: &'a [String],
}

pub fn to_markdown(html: &Html, pieces: &[Piece], options: &Options<'_>) -> String {
    let mut conv = Converter { html, options, text: TextMap::default(), layout_tables: Default::default() };
    let mut collapse = Collapse { prev_text: None, keep_leading: false };
    for piece in pieces {
        match piece {
            Piece::Subtree(id) => conv.collapse_node(*id, Filter::All, &mut collapse, 0),
            Piece::Range { root, full, partial } => {
                let filter = Filter::Range(full, partial);
                if let Some(root) = html.tree.get(*root) {
                    for child in root.children() {
                        if let Some(f) = filter.enter(child.id()) {
                            conv.collapse_node(child.id(), f, &mut collapse, 0);
                        }
                    }
                }
            }
        }
    }
    collapse.finish(&mut conv.text);

    let mut out = String::new();
    for piece in pieces {
        let md = match piece {
            Piece::Subtree(id) => match html.tree.get(*id) {
                Some(node) => conv.node_md(node, Filter::All, 0, is_code(node)),
                None => String::new(),
            },
            Piece::Range { root, full, partial } => match html.tree.get(*root) {
                Some(node) => {
                    let code = is_code(node) || node.value().as_element().is_some_and(|e| e.name() == "code");
                    conv.children_md(node, Filter::Range(full, partial), 0, code)
                }
                None => String::new(),
            },
        };
        join_owned(&mut out, md);
    }
    out.trim_start_matches(['\t', '\r', '\n']).trim_end().to_string()
}

struct Collapse {
    prev_text: Option<NodeId>,
    keep_leading: bool,
}

impl Collapse {
    fn trim_prev(&mut self, text: &mut TextMap) {
        if let Some(prev) = self.prev_text.take() {
            if let Some(t) = text.get_mut(&prev) {
                if t.ends_with(' ') {
                    t.pop();
                }
            }
        }
    }
    fn finish(&mut self, text: &mut TextMap) {
        self.trim_prev(text);
    }
}

/// turndown's whitespace collapse: runs of ASCII whitespace become one space; no space at the
/// start of a block or after a space; none before a block boundary.
fn collapse_ws(s: &str) -> String {
    let bytes = s.as_bytes();
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    // Common case: single spaces only, nothing to collapse.
    if memchr::memchr3(b'\t', b'\n', b'\r', bytes).is_none() && memchr::memmem::find(bytes, b"  ").is_none() {
        return s.to_string();
    }
    // Byte-wise: the whitespace characters are ASCII, so text between them is copied whole;
    // a lone space is kept in place.
    let mut out = String::with_capacity(s.len());
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !is_ws(b) || (b == b' ' && !bytes.get(i + 1).copied().is_some_and(is_ws)) {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        out.push(' ');
        while i < bytes.len() && is_ws(bytes[i]) {
            i += 1;
        }
        start = i;
    }
    out.push_str(&s[start..]);
    out
}

struct Converter<'a> {
    html: &'a Html,
    options: &'a Options<'a>,
    /// Collapsed text of each text node; absent = not seen (rendered raw, e.g. inside `pre`).
    text: TextMap,
    /// Tables found to be layout tables (see `in_layout_table`), by node.
    layout_tables: std::cell::RefCell<HashMap<NodeId, bool, std::hash::BuildHasherDefault<IdHasher>>>,
}

impl Converter<'_> {
    fn collapse_node(&mut self, id: NodeId, filter: Filter<'_>, st: &mut Collapse, depth: usize) {
        let Some(node) = self.html.tree.get(id) else {
            return;
        };
        match node.value() {
            Node::Text(t) => {
                let mut s = collapse_ws(t);
                let prev_ends_space = match st.prev_text {
                    None => true,
                    Some(p) => self.text.get(&p).is_some_and(|t| t.ends_with(' ')),
                };
                if prev_ends_space && !st.keep_leading && s.starts_with(' ') {
                    s.remove(0);
                }
                let empty = s.is_empty();
                self.text.insert(id, s);
                if !empty {
                    st.prev_text = Some(id);
                }
            }
            Node::Element(el) => {
                let name = el.name();
                if is_skipped(name) {
                    return;
                }
                let handle = |st: &mut Collapse, text: &mut TextMap| {
                    if is_block(name) || name == "br" {
                        st.trim_prev(text);
                        st.keep_leading = false;
                    } else if is_void(name) || name == "pre" {
                        st.prev_text = None;
                        st.keep_leading = true;
                    } else if st.prev_text.is_some() {
                        st.keep_leading = false;
                    }
                };
                handle(st, &mut self.text);
                if name == "pre" || depth > MAX_DEPTH {
                    return;
                }
                let mut any = false;
                for child in node.children() {
                    if let Some(f) = filter.enter(child.id()) {
                        any = true;
                        self.collapse_node(child.id(), f, st, depth + 1);
                    }
                }
                if any {
                    handle(st, &mut self.text);
                }
            }
            _ => {}
        }
    }

    fn children_md(&self, node: NodeRef<'_, Node>, filter: Filter<'_>, depth: usize, code: bool) -> String {
        let mut out = String::new();
        for child in node.children() {
            if let Some(f) = filter.enter(child.id()) {
                let md = self.node_md(child, f, depth + 1, code);
                join_owned(&mut out, md);
            }
        }
        out
    }

    fn node_md(&self, node: NodeRef<'_, Node>, filter: Filter<'_>, depth: usize, code: bool) -> String {
        match node.value() {
            Node::Text(t) => {
                // Inline code text is collapsed like any other (only `pre` keeps its
                // whitespace, and is absent from the map), but never escaped.
                let text = self.text.get(&node.id()).map(String::as_str).unwrap_or(t);
                if code {
                    text.to_string()
                } else {
                    escape(text)
                }
            }
            Node::Element(el) => {
                let name = el.name();
                if is_skipped(name) {
                    return String::new();
                }
                if depth > MAX_DEPTH {
                    return flat_text(node);
                }
                // Cloudflare-obfuscated address: the text is a placeholder, the attribute holds
                // the address under a per-request key.
                if let Some(email) = el.attr("data-cfemail").and_then(crate::links::decode_cloudflare_email) {
                    return escape(&email);
                }
                let content = self.children_md(node, filter, depth, code || name == "code");
                // Blank content is rare; only then check turndown's blank rule (a subtree scan).
                if content.trim().is_empty() && is_blank(node) {
                    // An inline blank node still leaves its (collapsed) whitespace, as turndown's
                    // flanking whitespace does: `<b>safe</b>.<b> </b>Children` keeps the space.
                    return if is_block(name) { "\n\n".into() } else { self.collapsed_text(node) };
                }
                if is_block(name) {
                    self.rule(node, name, content)
                } else {
                    // turndown's flanking whitespace comes from the node's text (not from its
                    // Markdown): `<strong><br></strong>` has none, `<b>x </b>` has a trailing
                    // space. Content can only start or end with whitespace when the text may.
                    let edge = |c: char| c.is_whitespace();
                    if !content.starts_with(edge) && !content.ends_with(edge) {
                        return self.rule(node, name, content);
                    }
                    let text = self.collapsed_text(node);
                    let (leading, trailing) = edge_whitespace(&text);
                    let inner = content.trim_matches(edge);
                    if !leading.is_empty() || !trailing.is_empty() {
                        return format!("{leading}{}{trailing}", self.rule(node, name, inner.to_string()));
                    }
                    // No flanking whitespace: the content stays as it is (`<span>x<br></span>`
                    // keeps its break), except that a link drops line breaks at its edges (the
                    // reference writes `[Home](url)` for `<a><div>Home</div></a>`).
                    if name == "a" {
                        // A link with no text at all (an icon) is dropped, as in the reference.
                        return if inner.is_empty() { String::new() } else { self.rule(node, name, inner.to_string()) };
                    }
                    self.rule(node, name, content)
                }
            }
            _ => String::new(),
        }
    }

    /// Whether the table this node belongs to is rendered as plain content rather than a pipe
    /// table, as the GFM table plugin does: a table holding another table (a layout table) or
    /// a single row with at most one child node.
    fn in_layout_table(&self, node: NodeRef<'_, Node>) -> bool {
        let is_table = |n: &NodeRef<'_, Node>| n.value().as_element().is_some_and(|e| e.name() == "table");
        let table = if is_table(&node) { Some(node) } else { node.ancestors().find(is_table) };
        let Some(table) = table else {
            return true;
        };
        if let Some(&known) = self.layout_tables.borrow().get(&table.id()) {
            return known;
        }
        let nested = table.descendants().skip(1).any(|d| is_table(&d));
        let rows: Vec<NodeRef<'_, Node>> = table
            .children()
            .flat_map(|c| match c.value().as_element().map(|e| e.name()) {
                Some("thead" | "tbody" | "tfoot") => c.children().collect::<Vec<_>>(),
                _ => vec![c],
            })
            .filter(|r| r.value().as_element().is_some_and(|e| e.name() == "tr"))
            .collect();
        let single_cell = rows.len() == 1 && rows[0].children().count() <= 1;
        let skipped = nested || single_cell;
        self.layout_tables.borrow_mut().insert(table.id(), skipped);
        skipped
    }

    /// The text of a subtree after whitespace collapsing.
    fn collapsed_text(&self, node: NodeRef<'_, Node>) -> String {
        let mut out = String::new();
        for d in node.descendants() {
            match (self.text.get(&d.id()), d.value()) {
                (Some(t), _) => out.push_str(t),
                // Not collapsed (inside `pre`): the text as it is.
                (None, Node::Text(t)) => out.push_str(t),
                _ => {}
            }
        }
        out
    }

    /// An element's Markdown from its content's. Takes the content by value: most elements
    /// (inline wrappers, table sections) pass it on as it is, and blocks only wrap it.
    fn rule(&self, node: NodeRef<'_, Node>, name: &str, content: String) -> String {
        let el = node.value().as_element().expect("rule applies to elements");
        match name {
            "p" => block(&content),
            "br" => "  \n".into(),
            "h1" | "h2" => {
                let underline = if name == "h1" { "=" } else { "-" };
                let width: usize = content.chars().map(char::len_utf16).sum();
                format!("\n\n{content}\n{}\n\n", underline.repeat(width))
            }
            "h3" | "h4" | "h5" | "h6" => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                format!("\n\n{} {content}\n\n", "#".repeat(level))
            }
            "blockquote" => {
                let inner = content.trim_matches('\n');
                let quoted: Vec<String> = inner.split('\n').map(|l| format!("> {l}")).collect();
                format!("\n\n{}\n\n", quoted.join("\n"))
            }
            "ul" | "ol" => {
                let parent_is_li = node.parent().and_then(|p| p.value().as_element()).is_some_and(|p| p.name() == "li");
                // turndown compares with the parent's last *element* child: text after a nested
                // list then runs on without a break, as in Open Terms Archive's versions.
                let is_last = node.next_siblings().all(|s| !s.value().is_element());
                if parent_is_li && is_last {
                    format!("\n{content}")
                } else {
                    block(&content)
                }
            }
            "li" => {
                let trimmed = content.trim_start_matches('\n');
                let body = trimmed.trim_end_matches('\n');
                let body = if body.len() < trimmed.len() { format!("{body}\n") } else { body.to_string() };
                let body = body.replace('\n', "\n    ");
                let parent = node.parent();
                let prefix = match parent.and_then(|p| p.value().as_element().map(|e| (p, e))) {
                    Some((p, pe)) if pe.name() == "ol" => {
                        let index = p
                            .children()
                            .filter(|c| c.value().is_element())
                            .position(|c| c.id() == node.id())
                            .unwrap_or(0);
                        let start = pe.attr("start").and_then(|s| s.trim().parse::<i64>().ok());
                        let n = start.map(|s| s + index as i64).unwrap_or(index as i64 + 1);
                        format!("{n}.  ")
                    }
                    _ => "*   ".into(),
                };
                let tail = if node.next_sibling().is_some() && !body.ends_with('\n') { "\n" } else { "" };
                format!("{prefix}{body}{tail}")
            }
            "pre" => {
                // An indented code block only when the first child is `code`, as turndown does;
                // otherwise a block whose text keeps its whitespace and whose `<br>` break lines.
                let code_child =
                    node.first_child().filter(|c| c.value().as_element().is_some_and(|e| e.name() == "code"));
                match code_child {
                    Some(code) => format!("\n\n    {}\n\n", raw_text(code).replace('\n', "\n    ")),
                    None => block(&content),
                }
            }
            "hr" => "\n\n* * *\n\n".into(),
            "a" => match el.attr("href") {
                Some(href) if !href.trim().is_empty() => {
                    let href = self.absolute(href).replace('(', "\\(").replace(')', "\\)");
                    let title = el
                        .attr("title")
                        .map(clean_attr)
                        .filter(|t| !t.is_empty())
                        .map(|t| format!(" \"{}\"", t.replace('"', "\\\"")))
                        .unwrap_or_default();
                    format!("[{content}]({href}{title})")
                }
                _ => content,
            },
            "em" | "i" => {
                if content.trim().is_empty() {
                    String::new()
                } else {
                    format!("_{content}_")
                }
            }
            "strong" | "b" => {
                if content.trim().is_empty() {
                    String::new()
                } else {
                    format!("**{content}**")
                }
            }
            "del" | "s" | "strike" => format!("~{content}~"),
            "code" => inline_code(&content),
            "img" => {
                let src = el.attr("src").unwrap_or("").trim();
                if src.is_empty() {
                    return String::new();
                }
                let alt = clean_attr(el.attr("alt").unwrap_or(""));
                // Image sources stay as written (only link targets are made absolute), less
                // their cache busters.
                format!("![{alt}]({})", crate::links::stable_src(src))
            }
            "table" | "tr" | "td" | "th" if self.in_layout_table(node) => content,
            "table" => format!("\n\n{}\n\n", content.trim_matches('\n')),
            "thead" | "tbody" | "tfoot" => content,
            "tr" => {
                let cells = node
                    .children()
                    .filter(|c| c.value().as_element().is_some_and(|e| matches!(e.name(), "td" | "th")))
                    .count();
                let heading = is_heading_row(node);
                let mut row = format!("\n{}", content.trim_matches('\n'));
                if heading {
                    row.push('\n');
                    row.push('|');
                    for _ in 0..cells.max(1) {
                        row.push_str(" --- |");
                    }
                }
                row
            }
            "td" | "th" => {
                let first = node.prev_siblings().all(|s| !s.value().is_element());
                // As the GFM table plugin does: line breaks inside a cell become `<br>`.
                let cell = content.trim().replace("\n\r", "<br>").replace('\n', "<br>").replace('|', "\\|");
                if first {
                    format!("| {cell} |")
                } else {
                    format!(" {cell} |")
                }
            }
            _ if is_block(name) => block(&content),
            _ => content,
        }
    }

    fn absolute(&self, href: &str) -> String {
        let href = href.trim();
        // In-page anchors stay relative: they point into the document itself.
        if href.starts_with('#') {
            return href.to_string();
        }
        let mut url = match self.options.base.and_then(|b| b.join(href).ok()) {
            Some(u) => u,
            None => match Url::parse(href) {
                Ok(u) => u,
                Err(_) => return href.to_string(),
            },
        };
        if !self.options.strip_query_params.is_empty() && url.query().is_some() {
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| !self.options.strip_query_params.iter().any(|p| p == k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if kept.is_empty() {
                url.set_query(None);
            } else {
                url.query_pairs_mut().clear().extend_pairs(kept);
            }
        }
        crate::links::stable_link(url).to_string()
    }
}

/// turndown's edgeWhitespace: the whitespace at each end of a text; all of it counts as leading
/// when the text is only whitespace.
fn edge_whitespace(text: &str) -> (&str, &str) {
    let body = text.trim_start_matches(char::is_whitespace);
    let leading = &text[..text.len() - body.len()];
    if body.is_empty() {
        return (leading, "");
    }
    let trimmed = body.trim_end_matches(char::is_whitespace);
    (leading, &body[trimmed.len()..])
}

fn is_heading_row(tr: NodeRef<'_, Node>) -> bool {
    let parent = tr.parent();
    let in_thead = parent.and_then(|p| p.value().as_element()).is_some_and(|e| e.name() == "thead");
    let first_row = tr.prev_siblings().all(|s| s.value().as_element().is_none_or(|e| e.name() != "tr"));
    let first_body = parent.is_some_and(|p| p.prev_siblings().all(|s| !s.value().is_element()));
    let all_th = tr
        .children()
        .filter(|c| c.value().is_element())
        .all(|c| c.value().as_element().is_some_and(|e| e.name() == "th"));
    (in_thead && first_row) || (first_row && first_body && all_th)
}

fn is_code(node: NodeRef<'_, Node>) -> bool {
    node.ancestors().any(|a| a.value().as_element().is_some_and(|e| e.name() == "code"))
}

fn inline_code(content: &str) -> String {
    if content.is_empty() {
        return String::new();
    }
    let content = content.replace(['\r', '\n'], " ");
    let extra = content.starts_with('`')
        || content.ends_with('`')
        || (content.starts_with(' ') && content.ends_with(' ') && !content.trim().is_empty());
    let extra = if extra { " " } else { "" };
    let mut delim = "`".to_string();
    while content.contains(&delim) {
        delim.push('`');
    }
    // Use the shortest run that is not present as a whole run; approximating turndown.
    format!("{delim}{extra}{content}{extra}{delim}")
}

/// turndown's cleanAttribute: every run of line breaks and the whitespace after them becomes
/// one line break; nothing else is trimmed (an alt text keeps its trailing space).
fn clean_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

fn raw_text(node: NodeRef<'_, Node>) -> String {
    node.descendants().filter_map(|d| d.value().as_text().map(|t| t.to_string())).collect()
}

fn flat_text(node: NodeRef<'_, Node>) -> String {
    let text: Vec<String> = node
        .descendants()
        .filter_map(|d| d.value().as_text().map(|t| collapse_ws(t)))
        .filter(|t| !t.trim().is_empty())
        .map(|t| escape(t.trim()))
        .collect();
    format!("\n\n{}\n\n", text.join(" "))
}

fn is_blank(node: NodeRef<'_, Node>) -> bool {
    let Some(el) = node.value().as_element() else {
        return false;
    };
    let name = el.name();
    if is_void(name) || is_meaningful_when_blank(name) {
        return false;
    }
    for d in node.descendants().skip(1) {
        match d.value() {
            Node::Text(t) if !t.chars().all(char::is_whitespace) => return false,
            Node::Element(e) if is_void(e.name()) || is_meaningful_when_blank(e.name()) => return false,
            _ => {}
        }
    }
    true
}

/// turndown's Markdown escapes: some anywhere, some only at the start of the text node.
pub fn escape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 8);
    let mut start = 0;
    // Two vectorised searches for the six escaped bytes; each is redone only once consumed.
    let find_a = |from: usize| memchr::memchr3(b'\\', b'*', b'`', &bytes[from..]).map(|p| p + from);
    let find_b = |from: usize| memchr::memchr3(b'[', b']', b'_', &bytes[from..]).map(|p| p + from);
    let (mut next_a, mut next_b) = (find_a(0), find_b(0));
    loop {
        let i = match (next_a, next_b) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        out.push_str(&s[start..i]);
        out.push('\\');
        start = i;
        if next_a == Some(i) {
            next_a = find_a(i + 1);
        }
        if next_b == Some(i) {
            next_b = find_b(i + 1);
        }
    }
    out.push_str(&s[start..]);
    // Start-of-text escapes.
    let starts = |p: &str| out.starts_with(p);
    if starts("-") || starts(">") || starts("+ ") || starts("=") || starts("~~~") {
        out.insert(0, '\\');
    } else if out.starts_with('#') {
        let hashes = out.chars().take_while(|c| *c == '#').count();
        if hashes <= 6 && out[hashes..].starts_with(' ') {
            out.insert(0, '\\');
        }
    } else {
        let digits = out.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && out[digits..].starts_with(". ") {
            out.insert(digits, '\\');
        }
    }
    out
}

/// turndown's join: the separator between two outputs is the larger of the newline runs at
/// the seam, at most two.
pub fn join(output: &str, addition: &str) -> String {
    let mut out = output.to_string();
    join_into(&mut out, addition);
    out
}

/// A block's Markdown: its content between blank lines.
fn block(content: &str) -> String {
    let mut out = String::with_capacity(content.len() + 4);
    out.push_str("\n\n");
    out.push_str(content);
    out.push_str("\n\n");
    out
}

/// `join_into` taking the addition by value: the first addition to an empty output becomes
/// the output (its leading newlines capped at two, as `join_into` would), without a copy.
pub fn join_owned(output: &mut String, mut addition: String) {
    if !output.is_empty() {
        join_into(output, &addition);
        return;
    }
    let leading = addition.len() - addition.trim_start_matches('\n').len();
    if leading > 2 {
        addition.drain(..leading - 2);
    }
    *output = addition;
}

/// `join` in place: appending must not copy the output again (linear, not quadratic, in the
/// number of children).
pub fn join_into(output: &mut String, addition: &str) {
    let kept = output.trim_end_matches('\n').len();
    let trailing = output.len() - kept;
    let s2 = addition.trim_start_matches('\n');
    let nls = trailing.max(addition.len() - s2.len()).min(2);
    output.truncate(kept);
    output.push_str(&"\n\n"[..nls]);
    output.push_str(s2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_turndown() {
        assert_eq!(escape("a*b_c"), "a\\*b\\_c");
        assert_eq!(escape("- item"), "\\- item");
        assert_eq!(escape("1. first"), "1\\. first");
        assert_eq!(escape("## title"), "\\## title");
        assert_eq!(escape("#hashtag"), "#hashtag");
        assert_eq!(escape("a_b*c[d]e`f\\g__"), "a\\_b\\*c\\[d\\]e\\`f\\\\g\\_\\_");
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn collapses_whitespace_runs() {
        assert_eq!(collapse_ws("a b"), "a b");
        assert_eq!(collapse_ws("a  b\n\t c "), "a b c ");
        assert_eq!(collapse_ws("\n x\ny\r\n"), " x y ");
        assert_eq!(collapse_ws("déjà\u{a0} vu"), "déjà\u{a0} vu");
    }

    #[test]
    fn attributes_are_cleaned_like_turndown() {
        assert_eq!(clean_attr("Logo for Example, Inc. "), "Logo for Example, Inc. ");
        assert_eq!(clean_attr("a\n   \n  b"), "a\nb");
    }

    #[test]
    fn join_separators() {
        assert_eq!(join("a\n\n", "\n\nb"), "a\n\nb");
        assert_eq!(join("a", "b"), "ab");
        assert_eq!(join("a\n", "b"), "a\nb");
        assert_eq!(join("a\n\n\n", "b"), "a\n\nb");
        // Taking the addition by value gives the same as `join`, also into an empty output.
        for (a, b) in [("", "\n\n\n\nb"), ("", "\nb"), ("", "b\n"), ("a\n", "\n\n\nb"), ("", "")] {
            let mut out = a.to_string();
            join_owned(&mut out, b.to_string());
            assert_eq!(out, join(a, b), "{a:?} + {b:?}");
        }
    }
}
