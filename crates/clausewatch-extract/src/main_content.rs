//! Automatic main content, for sources declared with a URL only. Every text of the page gets a
//! weight — its length, less for link text, nothing inside boilerplate (navigation, headers and
//! footers of the site, cookie banners, forms, screen-reader-only text), more for sentences
//! with legal cue words — and the content is the deepest element that still holds most of the
//! page's weight. Boilerplate inside that element is removed before conversion.
//!
//! Like the rest of extraction this is a pure function of the parsed page.

use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node};

/// The content element must hold at least this share of the page's weight.
const SHARE: f64 = 0.85;

/// Elements that are never the document's text.
const BOILERPLATE_TAGS: &[&str] =
    &["nav", "aside", "form", "select", "dialog", "menu", "script", "style", "noscript", "template", "svg"];

/// Class / id / role fragments that mark page furniture.
const BOILERPLATE_MARKS: &[&str] = &[
    "cookie",
    "consent",
    "breadcrumb",
    "navbar",
    "navigation",
    "sidebar",
    "share",
    "social",
    "newsletter",
    "subscribe",
    "skip-link",
    "skip-to",
    "sr-only",
    "visually-hidden",
    "visuallyhidden",
    "screen-reader",
    "site-header",
    "site-footer",
    "global-header",
    "global-footer",
    "menu",
    "toolbar",
    "popup",
    "modal",
    "toast",
    "language-selector",
    "locale",
    // "Related articles" lists of help centres and blogs (not every "related-": a contract may
    // have a section on related parties).
    "related-articles",
    "related_articles",
    "related-posts",
    "related-links",
    "related-questions",
    "related-content",
];

/// Words that legal text uses and page furniture rarely does.
const LEGAL_CUES: &[&str] = &[
    "agree",
    "terms",
    "policy",
    "liability",
    "liable",
    "warrant",
    "indemn",
    "arbitration",
    "governing law",
    "jurisdiction",
    "personal data",
    "personal information",
    "privacy",
    "consent",
    "terminate",
    "shall",
    "may not",
    "you must",
    "we may",
    "rights",
    "license",
    "prohibited",
    "third part",
    "applicable law",
];

fn element_is_boilerplate(node: NodeRef<'_, Node>, inside_content_root: bool) -> bool {
    let Some(el) = node.value().as_element() else {
        return false;
    };
    let name = el.name();
    if BOILERPLATE_TAGS.contains(&name) {
        return true;
    }
    // A button is furniture ("Print", "Accept") unless it carries a sentence, as the
    // questions of an FAQ accordion do.
    if name == "button" {
        let len: usize = node.descendants().filter_map(|d| d.value().as_text().map(|t| t.trim().len())).sum();
        return len < 40;
    }
    // The site's header and footer; a header inside an article is the document's title block.
    if (name == "header" || name == "footer") && !inside_content_root {
        return true;
    }
    // `hidden` is never rendered. (`aria-hidden` is not a signal: pages with an open cookie
    // dialog mark the whole document aria-hidden.)
    if el.attr("hidden").is_some() {
        return true;
    }
    if let Some(role) = el.attr("role") {
        // A listbox or combobox is a form control (a language picker, say), a menubar a menu.
        if matches!(
            role,
            "navigation"
                | "banner"
                | "contentinfo"
                | "dialog"
                | "alertdialog"
                | "menu"
                | "menubar"
                | "search"
                | "listbox"
                | "combobox"
        ) {
            return true;
        }
    }
    if let Some(style) = el.attr("style") {
        let compact: String = style.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        if compact.contains("display:none") || compact.contains("visibility:hidden") {
            return true;
        }
    }
    // A mark is a whole class or id token, or its prefix before `-` / `_` ("cookie-banner").
    let marks = |v: Option<&str>| {
        v.is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.split(|c: char| c.is_whitespace()).any(|token| {
                BOILERPLATE_MARKS
                    .iter()
                    .any(|m| token.strip_prefix(m).is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '_'])))
            })
        })
    };
    marks(el.attr("class")) || marks(el.attr("id"))
}

fn is_article_like(node: NodeRef<'_, Node>) -> bool {
    node.value().as_element().is_some_and(|e| matches!(e.name(), "main" | "article") || e.attr("role") == Some("main"))
}

/// Weight of one text: its non-space characters, scaled.
fn text_weight(text: &str, in_link: bool) -> f64 {
    let chars = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
    if chars == 0.0 {
        return 0.0;
    }
    let mut w = chars;
    if in_link {
        w *= 0.3;
    }
    if chars > 40.0 {
        let lower = text.to_lowercase();
        let cues = LEGAL_CUES.iter().filter(|c| lower.contains(*c)).count();
        w *= 1.0 + 0.25 * cues.min(4) as f64;
    }
    w
}

struct Weights {
    by_node: std::collections::HashMap<NodeId, f64>,
}

/// Subtree weights of every element (iterative post-order; hostile nesting cannot overflow).
fn weigh(html: &Html) -> Weights {
    let mut by_node = std::collections::HashMap::new();
    // (node, in_boilerplate, in_link, inside_article, children_pushed)
    let root = html.tree.root();
    let mut stack: Vec<(NodeRef<'_, Node>, bool, bool, bool, bool)> = vec![(root, false, false, false, false)];
    while let Some((node, boiler, link, article, expanded)) = stack.pop() {
        if expanded {
            let sum: f64 = node.children().map(|c| by_node.get(&c.id()).copied().unwrap_or(0.0)).sum();
            by_node.insert(node.id(), sum);
            continue;
        }
        match node.value() {
            Node::Text(t) => {
                let w = if boiler { 0.0 } else { text_weight(t, link) };
                by_node.insert(node.id(), w);
            }
            Node::Element(_) | Node::Document | Node::Fragment => {
                let boiler = boiler || element_is_boilerplate(node, article);
                let link = link || node.value().as_element().is_some_and(|e| e.name() == "a");
                let article = article || is_article_like(node);
                stack.push((node, boiler, link, article, true));
                for child in node.children() {
                    stack.push((child, boiler, link, article, false));
                }
            }
            _ => {}
        }
    }
    Weights { by_node }
}

/// The element holding the page's main content: from `body`, descend while one child holds at
/// least `SHARE` of the page's weight. None when the page has no weighted text.
pub fn find(html: &Html) -> Option<NodeId> {
    let weights = weigh(html);
    let body = html
        .tree
        .root()
        .descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
        .unwrap_or(html.tree.root());
    let total = weights.by_node.get(&body.id()).copied().unwrap_or(0.0);
    if total <= 0.0 {
        return None;
    }
    let mut current = body;
    loop {
        let best = current
            .children()
            .filter(|c| c.value().is_element())
            .map(|c| (c, weights.by_node.get(&c.id()).copied().unwrap_or(0.0)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((child, w)) if w >= SHARE * total && !siblings_hold_title(current, child, &weights) => current = child,
            _ => break,
        }
    }
    Some(current.id())
}

/// Whether another (weighted) child of `parent` holds the document's title or date line: the
/// content then starts above `child` and the descent stops.
fn siblings_hold_title(parent: NodeRef<'_, Node>, child: NodeRef<'_, Node>, weights: &Weights) -> bool {
    parent.children().filter(|s| s.id() != child.id() && s.value().is_element()).any(|sibling| {
        if weights.by_node.get(&sibling.id()).copied().unwrap_or(0.0) <= 0.0 {
            return false;
        }
        sibling.descendants().any(|d| match d.value() {
            Node::Element(e) => e.name() == "h1",
            Node::Text(t) => {
                let t = t.trim_start().to_ascii_lowercase();
                t.len() < 80
                    && ["last updated", "last modified", "effective", "updated:", "date:"]
                        .iter()
                        .any(|m| t.starts_with(m))
            }
            _ => false,
        })
    })
}

/// The descent `find` makes, one line per level: element, weight, share of the page.
pub fn explain(html: &Html) -> Vec<String> {
    let weights = weigh(html);
    let describe = |n: NodeRef<'_, Node>| match n.value().as_element() {
        Some(e) => format!(
            "<{}{}{}>",
            e.name(),
            e.attr("id").map(|v| format!(" id={v:?}")).unwrap_or_default(),
            e.attr("class").map(|v| format!(" class={:?}", v.chars().take(60).collect::<String>())).unwrap_or_default()
        ),
        None => "#document".into(),
    };
    let total = html
        .tree
        .root()
        .descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
        .and_then(|b| weights.by_node.get(&b.id()).copied())
        .unwrap_or(0.0);
    let mut out = vec![format!("page weight {total:.0}")];
    // The boilerplate elements hiding the most text.
    let mut hidden: Vec<(usize, String)> = html
        .tree
        .root()
        .descendants()
        .filter(|n| element_is_boilerplate(*n, false))
        .map(|n| {
            let len: usize = n.descendants().filter_map(|d| d.value().as_text().map(|t| t.trim().len())).sum();
            (len, describe(n))
        })
        .filter(|(len, _)| *len > 0)
        .collect();
    hidden.sort_by_key(|h| std::cmp::Reverse(h.0));
    for (len, d) in hidden.iter().take(5) {
        out.push(format!("boilerplate {d} hides {len} bytes of text"));
    }
    let mut current = html.tree.root();
    for depth in 0..200 {
        let mut kids: Vec<(NodeRef<'_, Node>, f64)> = current
            .children()
            .filter(|c| c.value().is_element())
            .map(|c| (c, weights.by_node.get(&c.id()).copied().unwrap_or(0.0)))
            .collect();
        kids.sort_by(|a, b| b.1.total_cmp(&a.1));
        let Some(&(best, w)) = kids.first() else { break };
        let others: Vec<String> =
            kids.iter().skip(1).take(3).map(|(n, w)| format!("{} {:.0}", describe(*n), w)).collect();
        out.push(format!(
            "{:indent$}{} {:.0} ({:.0}%) boilerplate={} | next: {}",
            "",
            describe(best),
            w,
            if total > 0.0 { 100.0 * w / total } else { 0.0 },
            element_is_boilerplate(best, false),
            others.join(", "),
            indent = depth.min(40)
        ));
        if total > 0.0 && w < SHARE * total && depth > 2 {
            break;
        }
        current = best;
    }
    out
}

/// Elements looked at, at most, when searching a page for the documents it holds.
const SECTION_SEARCH_BUDGET: usize = 200_000;

/// Text a section needs to count as a document (a menu entry or a link list does not).
const SECTION_MIN_CHARS: usize = 500;

/// Some sites publish all their documents on one page, each in its own section opening with
/// its title (Terms of Service, Privacy Policy, Cookie Policy ...). Within the main content,
/// find the sections of such a page whose title names `terms_type` (see
/// [`clausewatch_core::terms_types::title_names`]), each with the untitled sections that
/// follow it: the document is those sections, not the whole page. Sections are wrapped
/// blocks (`wrapped_parts`) or runs under the page's own headings (`heading_parts`); `choose`
/// decides whether they make a page of several documents.
pub fn document_sections(html: &Html, content: NodeId, terms_type: &str) -> Option<Vec<NodeId>> {
    let root = html.tree.get(content)?;
    let mut budget = SECTION_SEARCH_BUDGET;
    // Outermost first: the documents are the largest sections that carry document titles.
    let mut queue = std::collections::VecDeque::from([root]);
    while let Some(parent) = queue.pop_front() {
        let children: Vec<NodeRef<'_, Node>> = parent.children().filter(|c| c.value().is_element()).collect();
        if children.len() >= 2 {
            let chosen = choose(&wrapped_parts(&children, &mut budget), terms_type)
                .or_else(|| choose(&heading_parts(parent, &mut budget), terms_type));
            if chosen.is_some() {
                return chosen;
            }
        }
        if budget == 0 {
            return None;
        }
        budget = budget.saturating_sub(children.len());
        queue.extend(children);
    }
    None
}

/// A candidate part of a page of documents: its nodes, the terms type its title names, and
/// whether it holds some text (`SECTION_MIN_CHARS`).
struct Part {
    nodes: Vec<NodeId>,
    kind: Option<&'static str>,
    long: bool,
}

/// The nodes of the `terms_type` document when `parts` (in page order) make a page of several
/// documents: titled parts of at least three terms types, or of two with no untitled part of
/// some length beside them — two titles could also be one document's own title and a section
/// of it named after another document ("Terms of Service" ... "Privacy Policy" ...
/// "Termination"). The document is each titled part of its type with the untitled parts that
/// follow it up to the next titled one (its numbered sections, annexes).
fn choose(parts: &[Part], terms_type: &str) -> Option<Vec<NodeId>> {
    let kinds: std::collections::HashSet<&str> = parts.iter().filter(|p| p.long).filter_map(|p| p.kind).collect();
    let plain_documents = kinds.len() >= 3 || !parts.iter().any(|p| p.kind.is_none() && p.long);
    if kinds.len() < 2 || !kinds.contains(terms_type) || !plain_documents {
        return None;
    }
    let mut chosen = Vec::new();
    let mut inside = false;
    for part in parts {
        if let (Some(kind), true) = (part.kind, part.long) {
            inside = kind == terms_type;
        }
        if inside {
            chosen.extend(&part.nodes);
        }
    }
    Some(chosen)
}

/// Documents wrapped in sections: each child is a part, titled by its first heading or words.
fn wrapped_parts(children: &[NodeRef<'_, Node>], budget: &mut usize) -> Vec<Part> {
    let mut parts: Vec<Part> = children
        .iter()
        .map(|child| {
            let kind =
                is_section(*child).then(|| section_title(*child, budget).and_then(|t| terms_type_named(&t))).flatten();
            let long = kind.is_some() && holds_text(*child, SECTION_MIN_CHARS, budget);
            Part { nodes: vec![child.id()], kind, long }
        })
        .collect();
    // The length of untitled sections matters only where there are titled documents to weigh.
    if parts.iter().filter(|p| p.long).count() >= 2 {
        for (part, child) in parts.iter_mut().zip(children) {
            if part.kind.is_none() && is_section(*child) {
                part.long = holds_text(*child, SECTION_MIN_CHARS, budget);
            }
        }
    }
    parts
}

/// Documents not wrapped in sections, whose titles are headings among the parent's children
/// (`<h1>Terms of Service</h1><p>…</p><h1>Privacy Policy</h1><p>…`): each heading of the
/// highest level that names a document starts a part running to the next heading of that
/// level; what comes before the first is no part.
fn heading_parts(parent: NodeRef<'_, Node>, budget: &mut usize) -> Vec<Part> {
    let nodes: Vec<NodeRef<'_, Node>> = parent
        .children()
        .filter(|c| c.value().is_element() || c.value().as_text().is_some_and(|t| !t.trim().is_empty()))
        .collect();
    let headings: Vec<(usize, u8, Option<&'static str>)> = nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let level = heading_level(*n)?;
            Some((i, level, heading_title(*n).and_then(|t| terms_type_named(&t))))
        })
        .collect();
    let Some(top) = headings.iter().filter(|h| h.2.is_some()).map(|h| h.1).min() else {
        return Vec::new();
    };
    let starts: Vec<&(usize, u8, Option<&'static str>)> = headings.iter().filter(|h| h.1 == top).collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &&(start, _, kind))| {
            let end = starts.get(k + 1).map(|h| h.0).unwrap_or(nodes.len());
            let body = &nodes[start + 1..end];
            let mut missing = SECTION_MIN_CHARS;
            for n in body {
                missing = missing.saturating_sub(text_chars(*n, missing, budget));
            }
            Part { nodes: nodes[start..end].iter().map(|n| n.id()).collect(), kind, long: missing == 0 }
        })
        .collect()
}

/// A document's section is a block container (a title and its text), never a link or other
/// inline element, nor a heading alone.
fn is_section(node: NodeRef<'_, Node>) -> bool {
    node.value()
        .as_element()
        .is_some_and(|e| matches!(e.name(), "div" | "section" | "article" | "main" | "details" | "li"))
}

/// Whether a subtree holds at least `min` non-space characters of text.
fn holds_text(node: NodeRef<'_, Node>, min: usize, budget: &mut usize) -> bool {
    text_chars(node, min, budget) >= min
}

/// The non-space characters of text in a subtree, counting stopped at `max` (or when the
/// budget runs out).
fn text_chars(node: NodeRef<'_, Node>, max: usize, budget: &mut usize) -> usize {
    let mut chars = 0;
    for d in node.descendants() {
        if chars >= max || *budget == 0 {
            break;
        }
        *budget -= 1;
        if let Some(t) = d.value().as_text() {
            chars += t.chars().filter(|c| !c.is_whitespace()).count();
        }
    }
    chars
}

/// 1 to 4 for `h1` to `h4` (deeper headings do not title documents).
fn heading_level(node: NodeRef<'_, Node>) -> Option<u8> {
    node.value().as_element().and_then(|e| match e.name() {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        _ => None,
    })
}

/// A heading's text as a title (see `normalise_title`).
fn heading_title(heading: NodeRef<'_, Node>) -> Option<String> {
    let text: String = heading.descendants().filter_map(|d| d.value().as_text().map(|t| t.to_string())).collect();
    normalise_title(&text)
}

/// The title a section opens with: its first heading (`h1` to `h4`), or its first words when
/// they are short (a title styled as a paragraph); normalised (lower case, single spaces,
/// leading numbering and trailing punctuation dropped). None when the section opens with text.
fn section_title(section: NodeRef<'_, Node>, budget: &mut usize) -> Option<String> {
    for (visited, node) in section.descendants().skip(1).enumerate() {
        if visited >= 200 || *budget == 0 {
            return None;
        }
        *budget -= 1;
        match node.value() {
            Node::Element(_) if heading_level(node).is_some() => return heading_title(node),
            Node::Text(t) if !t.trim().is_empty() => {
                // Script or navigation text before the title is not the title.
                let in_furniture = node
                    .parent()
                    .and_then(|p| p.value().as_element().map(|e| e.name()))
                    .is_some_and(|name| BOILERPLATE_TAGS.contains(&name));
                if !in_furniture {
                    return normalise_title(t);
                }
            }
            _ => {}
        }
    }
    None
}

fn normalise_title(text: &str) -> Option<String> {
    let lower = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    // "1. ", "IV. ", "a) " before the title.
    let unnumbered = match lower.split_once(' ') {
        Some((first, rest))
            if first.len() <= 5
                && first.ends_with(['.', ')'])
                && first.trim_end_matches(['.', ')']).chars().all(|c| c.is_ascii_digit() || "ivxlc".contains(c)) =>
        {
            rest
        }
        _ => lower.as_str(),
    };
    let title = unnumbered.trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    (!title.is_empty() && title.chars().count() <= 80).then(|| title.to_string())
}

/// The terms type a (normalised) title names: the title is one of the type's names, or starts
/// with one ("privacy policy for california residents").
fn terms_type_named(title: &str) -> Option<&'static str> {
    // Built once: titles are checked for every block the search meets.
    static NAMES: std::sync::OnceLock<Vec<(&'static str, Vec<String>)>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        clausewatch_core::terms_types::TERMS_TYPES
            .iter()
            .map(|t| (*t, clausewatch_core::terms_types::title_names(t)))
            .collect()
    });
    names.iter().find_map(|(terms_type, names)| {
        names
            .iter()
            .any(|name| {
                title == name
                    || title
                        .strip_prefix(name.as_str())
                        .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric()))
            })
            .then_some(*terms_type)
    })
}

/// Boilerplate elements inside the content element, outermost only.
pub fn boilerplate_within(html: &Html, content: NodeId) -> Vec<NodeId> {
    let Some(root) = html.tree.get(content) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack: Vec<NodeRef<'_, Node>> = root.children().collect();
    while let Some(node) = stack.pop() {
        if element_is_boilerplate(node, true) {
            out.push(node.id());
        } else {
            stack.extend(node.children());
        }
    }
    out
}

/// Images before the first words or heading of the main content: a logo or banner, not part of
/// the document (which starts at its title). Their addresses often carry a build number
/// (`/fe/0.1.38/logo.png`), so keeping them would make every deploy of the site a new version.
/// The search stops at the first text or heading, and after a bounded number of nodes.
pub fn leading_images(html: &Html, content: NodeId) -> Vec<NodeId> {
    const BUDGET: usize = 10_000;
    let Some(root) = html.tree.get(content) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack: Vec<NodeRef<'_, Node>> = root.children().collect();
    stack.reverse();
    let mut seen = 0;
    while let Some(node) = stack.pop() {
        seen += 1;
        if seen > BUDGET {
            break;
        }
        match node.value() {
            Node::Text(t) if !t.trim().is_empty() => break,
            Node::Element(el) => {
                let name = el.name();
                if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
                    break;
                }
                if matches!(name, "img" | "svg" | "picture") {
                    out.push(node.id());
                    continue;
                }
                let mut children: Vec<_> = node.children().collect();
                children.reverse();
                stack.extend(children);
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logo_before_the_title_is_not_content_but_figures_after_it_are() {
        let page = r#"<html><body><div id="doc"><a href="/"><img src="/fe/0.1.38/logo.png"></a>
            <div><svg><path d="M0"/></svg></div><h1>Terms of Service</h1><img src="/chart.png" alt="Fees">
            <p>Text.</p></div></body></html>"#;
        let html = Html::parse_document(page);
        let doc = html.select(&scraper::Selector::parse("#doc").unwrap()).next().unwrap().id();
        let found: Vec<String> = leading_images(&html, doc)
            .into_iter()
            .map(|id| html.tree.get(id).unwrap().value().as_element().unwrap().name().to_string())
            .collect();
        assert_eq!(found, vec!["img", "svg"]);
        let text_first = Html::parse_document(r#"<div id="doc"><p>Intro.</p><img src="/a.png"></div>"#);
        let doc = text_first.select(&scraper::Selector::parse("#doc").unwrap()).next().unwrap().id();
        assert!(leading_images(&text_first, doc).is_empty());
    }

    #[test]
    fn finds_the_legal_text_among_furniture() {
        let page = r#"<html><body>
            <header class="site-header"><nav><a href="/">Home</a><a href="/p">Pricing</a><a href="/b">Blog</a></nav></header>
            <div class="layout"><div class="cookie-banner">We use cookies to improve your experience on our website and for marketing.</div>
            <div id="content"><h1>Terms of Service</h1>
              <p>By using the service you agree to these terms. We may terminate your account at any time.</p>
              <p>You must be 18. Our liability is limited to the fees you paid in the last twelve months.</p>
              <button>Print</button></div></div>
            <footer><p>Copyright 2026 Example Inc. All rights reserved. Follow us on social media.</p></footer>
            </body></html>"#;
        let html = Html::parse_document(page);
        let id = find(&html).unwrap();
        let el = html.tree.get(id).unwrap();
        assert_eq!(el.value().as_element().unwrap().attr("id"), Some("content"));
        let removed = boilerplate_within(&html, id);
        assert_eq!(removed.len(), 1, "the button");
    }

    fn filler(words: &str) -> String {
        format!("<p>{}</p>", words.repeat(40))
    }

    /// The ids of the sections of `page` that make the `terms_type` document, if it is a page
    /// of several documents.
    fn picked(page: &str, terms_type: &str) -> Option<Vec<String>> {
        let html = Html::parse_document(page);
        let content = find(&html).unwrap();
        document_sections(&html, content, terms_type).map(|ids| titles_of(&html, &ids))
    }

    fn titles_of(html: &Html, ids: &[NodeId]) -> Vec<String> {
        ids.iter()
            .map(|id| html.tree.get(*id).unwrap().value().as_element().unwrap().attr("id").unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn picks_the_document_out_of_a_page_of_several() {
        // Titles as headings or as styled paragraphs; the cookie policy's id would mark a
        // cookie banner, the footer's links name documents too.
        let page = format!(
            r#"<html><body><main><div class="docs">
            <div id="tos"><h1>1. Terms of Service</h1>{}</div>
            <div id="tos-eligibility"><h2>Eligibility</h2>{}</div>
            <div id="privacy"><div class="text-4xl"><p>Privacy Policy</p></div>{}</div>
            <div id="cookie-policy"><p>Cookie Policy</p>{}</div>
            </div></main>
            <footer><a href="/terms">Terms of Service</a> <a href="/privacy">Privacy Policy</a></footer></body></html>"#,
            filler("You agree to these terms and we may terminate your account. "),
            filler("You must be 18 or older to use the service. "),
            filler("We process personal data lawfully and keep it safe. "),
            filler("We use cookies to keep you signed in and to measure traffic. "),
        );
        let pick = |t: &str| picked(&page, t);
        assert_eq!(pick("Trackers Policy"), Some(vec!["cookie-policy".to_string()]));
        assert_eq!(pick("Privacy Policy"), Some(vec!["privacy".to_string()]));
        // A document's untitled sections follow its title.
        assert_eq!(pick("Terms of Service"), Some(vec!["tos".to_string(), "tos-eligibility".to_string()]));
        // No section of this type: the page as it is.
        assert_eq!(pick("Imprint"), None);
    }

    #[test]
    fn documents_titled_in_other_languages_are_recognised() {
        let page = format!(
            r#"<html><body><main><div class="juridique">
            <section id="cgu"><h2>Conditions générales d’utilisation</h2>{}</section>
            <section id="confidentialite"><h2>Politique de confidentialité</h2>{}</section>
            <section id="cookies"><h2>Politique relative aux cookies</h2>{}</section>
            </div></main></body></html>"#,
            filler("Vous acceptez ces conditions et nous pouvons suspendre votre compte. "),
            filler("Nous traitons vos données personnelles de manière licite. "),
            filler("Nous utilisons des cookies pour mesurer l’audience du site. "),
        );
        let pick = |t: &str| picked(&page, t);
        assert_eq!(pick("Privacy Policy"), Some(vec!["confidentialite".to_string()]));
        assert_eq!(pick("Trackers Policy"), Some(vec!["cookies".to_string()]));
        assert_eq!(pick("Terms of Service"), Some(vec!["cgu".to_string()]));
    }

    #[test]
    fn one_document_with_sections_is_left_whole() {
        // One document type among the titled sections of some length ("Cookie notice"), links
        // naming other documents and a short block titled "Terms of Service": one document.
        let page = format!(
            r#"<html><body><main><h1>Privacy Policy</h1>
            <div id="a"><h2>What we collect</h2>{}</div>
            <div id="b"><h2>Cookie notice</h2>{}</div>
            <p>See also our <a href="/t">Terms of Use</a> and <a href="/c">Cookie Policy</a>.</p>
            <div id="c"><h2>Terms of Service</h2><p>Short.</p></div>
            </main></body></html>"#,
            filler("We collect your e-mail address and the content you post. "),
            filler("We use cookies to keep you signed in. "),
        );
        assert_eq!(picked(&page, "Privacy Policy"), None);
        assert_eq!(picked(&page, "Trackers Policy"), None);
    }

    #[test]
    fn related_article_lists_and_pickers_are_furniture_related_parties_are_not() {
        let page = format!(
            r#"<html><body><div id="content"><h1>Law Enforcement Requests</h1>{}
            <section id="related-parties"><h2>Related parties</h2><p>Our affiliates may receive requests too.</p></section>
            <div class="jsx-1 related_articles my-6"><h3>Related Articles</h3><a href="/a">How we crawl the web</a></div>
            <ul class="x1" role="listbox"><li>English (United Kingdom)</li><li>Afrikaans</li></ul>
            </div></body></html>"#,
            filler("We disclose user data only in response to valid legal process. "),
        );
        let html = Html::parse_document(&page);
        let content = find(&html).unwrap();
        let removed: Vec<String> = boilerplate_within(&html, content)
            .iter()
            .map(|id| html.tree.get(*id).unwrap().value().as_element().unwrap().attr("class").unwrap_or("").to_string())
            .collect();
        // The language picker (a listbox) goes too.
        assert_eq!(removed, vec!["x1".to_string(), "jsx-1 related_articles my-6".to_string()]);
    }

    #[test]
    fn a_section_named_after_another_document_does_not_split_a_document() {
        // A terms of service whose intro is titled as the document and whose later section is
        // titled "Privacy Policy": one document, never cut at that section.
        let page = format!(
            r#"<html><body><main><div class="terms">
            <div id="intro"><h2>Terms of Service</h2>{}</div>
            <div id="accounts"><h2>Accounts</h2>{}</div>
            <div id="privacy"><h2>Privacy Policy</h2>{}</div>
            <div id="termination"><h2>Termination</h2>{}</div>
            </div></main></body></html>"#,
            filler("These terms govern your use of the service. "),
            filler("You are responsible for your account. "),
            filler("Our privacy policy explains how we use your data. "),
            filler("We may suspend or terminate your account for breach. "),
        );
        assert_eq!(picked(&page, "Terms of Service"), None);
        assert_eq!(picked(&page, "Privacy Policy"), None);
        // Two documents side by side, nothing else: a page of two documents.
        let page = format!(
            r#"<html><body><main><div class="legal">
            <div id="terms"><h2>Terms of Service</h2>{}</div>
            <div id="privacy"><h2>Privacy Policy</h2>{}</div>
            </div></main></body></html>"#,
            filler("These terms govern your use of the service. "),
            filler("We keep messages end-to-end encrypted and store no content. "),
        );
        let html = Html::parse_document(&page);
        let content = find(&html).unwrap();
        let ids = document_sections(&html, content, "Privacy Policy").unwrap();
        assert_eq!(titles_of(&html, &ids), vec!["privacy".to_string()]);
    }

    #[test]
    fn documents_titled_by_headings_alone() {
        // No wrapping sections: the documents' titles are top-level headings among paragraphs.
        let page = format!(
            r#"<html><body><main><div class="legal">
            <h1>Terms of Service</h1>{}<h3>Eligibility</h3>{}
            <h1>Privacy Policy</h1>{}
            </div></main></body></html>"#,
            filler("These terms govern your use of the service. "),
            filler("You must be 13 or older. "),
            filler("We keep messages end-to-end encrypted and store no content. "),
        );
        let html = Html::parse_document(&page);
        let content = find(&html).unwrap();
        let text = |ids: Vec<NodeId>| -> String {
            ids.iter()
                .flat_map(|id| html.tree.get(*id).unwrap().descendants())
                .filter_map(|d| d.value().as_text().map(|t| t.to_string()))
                .collect()
        };
        let terms = text(document_sections(&html, content, "Terms of Service").unwrap());
        assert!(terms.starts_with("Terms of Service") && terms.contains("13 or older"), "{terms}");
        assert!(!terms.contains("encrypted"), "{terms}");
        let privacy = text(document_sections(&html, content, "Privacy Policy").unwrap());
        assert!(
            privacy.starts_with("Privacy Policy") && privacy.contains("encrypted") && !privacy.contains("13 or older")
        );
        // One document whose subsections are headings of the same level, one of them named
        // after another document: left whole.
        let page = format!(
            r#"<html><body><main><div class="terms">
            <h2>Terms of Service</h2>{}<h2>Accounts</h2>{}<h2>Privacy Policy</h2>{}<h2>Termination</h2>{}
            </div></main></body></html>"#,
            filler("These terms govern your use of the service. "),
            filler("You are responsible for your account. "),
            filler("Our privacy policy explains how we use your data. "),
            filler("We may suspend or terminate your account for breach. "),
        );
        assert_eq!(picked(&page, "Terms of Service"), None);
        // A lower-level heading named after another document is a part of this one.
        let page = format!(
            r#"<html><body><main><h1>Terms of Service</h1>{}<h2>Privacy Policy</h2>{}</main></body></html>"#,
            filler("These terms govern your use of the service. "),
            filler("Our privacy policy explains how we use your data. "),
        );
        assert_eq!(picked(&page, "Terms of Service"), None);
    }
}
