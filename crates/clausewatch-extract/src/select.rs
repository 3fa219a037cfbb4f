//! `remove` and `select` over a parsed page, with Open Terms Archive's semantics:
//! removals are all computed on the untouched page, ranges deleted before elements; then every
//! `select` entry contributes, in declaration order, the elements it matches (in document order)
//! or the contents of its range.

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::Html;

use clausewatch_core::{RangeBoundary, RangeSelector, Selector};

use crate::ExtractError;

/// One piece of the selected content.
pub enum Piece {
    /// A whole element with everything inside it.
    Subtree(NodeId),
    /// The contents of a DOM range: children of `root`, keeping only `full` subtrees and the
    /// `partial` ancestors of the range boundaries (rendered with their included children only).
    Range { root: NodeId, full: HashSet<NodeId>, partial: HashSet<NodeId> },
}

pub fn parse_css(css: &str) -> Result<scraper::Selector, ExtractError> {
    scraper::Selector::parse(css)
        .map_err(|e| ExtractError::InvalidSelector { selector: css.to_string(), reason: e.to_string() })
}

/// Delete what `remove` names. Missing range boundaries are skipped: a missing banner must not
/// stop the text from being recorded.
pub fn apply_remove(html: &mut Html, remove: &[Selector]) -> Result<(), ExtractError> {
    let mut ranges = Vec::new();
    let mut nodes = Vec::new();
    for sel in remove {
        match sel {
            Selector::Css(css) => nodes.extend(css_matches(html, css)?),
            Selector::Range(r) => {
                if let Ok(range) = resolve_range(html, r) {
                    ranges.push(range);
                }
            }
        }
    }
    for (_, full, _) in ranges {
        for id in full {
            detach(html, id);
        }
    }
    for id in nodes {
        detach(html, id);
    }
    Ok(())
}

pub(crate) fn detach(html: &mut Html, id: NodeId) {
    if let Some(mut node) = html.tree.get_mut(id) {
        node.detach();
    }
}

/// Elements matching the CSS selector `css` that are still in the document, in document order:
/// what every rule (`select`, `remove`, range boundaries) reads.
fn css_matches(html: &Html, css: &str) -> Result<Vec<NodeId>, ExtractError> {
    // Parsed even when simple: an invalid selector is refused the same way on either path.
    let selector = parse_css(css)?;
    Ok(match SimpleSelector::parse(css) {
        Some(simple) => simple.matches(html),
        None => scraper_matches(html, &selector),
    })
}

/// A selector of the commonest form in declarations: a type, an id and classes, alone or
/// compounded (`main`, `#terms`, `.legal`, `article.legal.content`), matched by reading each
/// element's attributes. scraper's matcher interns and sorts every element's classes the first
/// time it is asked about one, which on pages whose elements carry many utility classes cost a
/// tenth of extraction. Same results: types compare lower-case local names (the selector's
/// type is lower-case, or the selector is not simple), ids and classes compare exactly, as
/// scraper does (it matches in no-quirks mode).
#[derive(Debug, PartialEq)]
struct SimpleSelector<'a> {
    tag: Option<&'a str>,
    id: Option<&'a str>,
    classes: Vec<&'a str>,
}

impl<'a> SimpleSelector<'a> {
    /// `None` unless `css` (already known to parse) is such a compound selector.
    fn parse(css: &'a str) -> Option<SimpleSelector<'a>> {
        let ident = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let mut out = SimpleSelector { tag: None, id: None, classes: Vec::new() };
        let start = css.find(['.', '#']).unwrap_or(css.len());
        let tag = &css[..start];
        if !tag.is_empty() {
            if !ident(tag) || tag.bytes().any(|b| b.is_ascii_uppercase()) {
                return None;
            }
            out.tag = Some(tag);
        }
        let mut rest = &css[start..];
        while let Some(kind) = rest.chars().next() {
            let end = rest[1..].find(['.', '#']).map_or(rest.len(), |e| e + 1);
            let name = &rest[1..end];
            if !ident(name) {
                return None;
            }
            match kind {
                '#' if out.id.is_none() => out.id = Some(name),
                '.' => out.classes.push(name),
                _ => return None,
            }
            rest = &rest[end..];
        }
        (out.tag.is_some() || out.id.is_some() || !out.classes.is_empty()).then_some(out)
    }

    /// Matching elements still in the document, in document order (a pre-order walk from the
    /// root visits only attached nodes).
    fn matches(&self, html: &Html) -> Vec<NodeId> {
        html.tree
            .root()
            .descendants()
            .filter(|n| {
                let Some(e) = n.value().as_element() else { return false };
                self.tag.is_none_or(|t| e.name() == t)
                    && self.id.is_none_or(|id| e.id() == Some(id))
                    && self.classes.iter().all(|c| {
                        e.attrs()
                            .filter(|(name, _)| *name == "class")
                            .any(|(_, value)| value.split_ascii_whitespace().any(|v| v == *c))
                    })
            })
            .map(|n| n.id())
            .collect()
    }
}

/// Elements matching `selector` by scraper's matcher that are still in the document, in document
/// order. (`Html::select` walks the whole node arena, which keeps removed subtrees and follows
/// creation order, not document order.)
fn scraper_matches(html: &Html, selector: &scraper::Selector) -> Vec<NodeId> {
    let root = html.tree.root().id();
    let mut found: Vec<NodeId> = html
        .select(selector)
        .map(|e| e.id())
        .filter(|id| html.tree.get(*id).and_then(|n| n.ancestors().last()).is_some_and(|top| top.id() == root))
        .collect();
    if found.len() > 1 {
        let ord = order(html);
        found.sort_by_key(|id| ord.pre.get(id).copied().unwrap_or(usize::MAX));
    }
    found
}

/// The pieces `select` names, in order. An empty `select` means the whole `body`.
pub fn apply_select(html: &Html, select: &[Selector]) -> Result<Vec<Piece>, ExtractError> {
    let mut pieces = Vec::new();
    if select.is_empty() {
        pieces.extend(css_matches(html, "body")?.into_iter().map(Piece::Subtree));
        return Ok(pieces);
    }
    for sel in select {
        match sel {
            Selector::Css(css) => pieces.extend(css_matches(html, css)?.into_iter().map(Piece::Subtree)),
            Selector::Range(r) => {
                let (root, full, partial) = resolve_range(html, r)?;
                pieces.push(Piece::Range { root, full, partial });
            }
        }
    }
    Ok(pieces)
}

/// Pre-order numbering of the tree, so containment is a comparison of two numbers.
struct Order {
    pre: std::collections::HashMap<NodeId, usize>,
    last: std::collections::HashMap<NodeId, usize>,
}

fn order(html: &Html) -> Order {
    let mut pre = std::collections::HashMap::new();
    let mut last = std::collections::HashMap::new();
    let mut n = 0usize;
    for edge in html.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => {
                pre.insert(node.id(), n);
                n += 1;
            }
            ego_tree::iter::Edge::Close(node) => {
                last.insert(node.id(), n.saturating_sub(1));
            }
        }
    }
    Order { pre, last }
}

/// Resolve a range to (common ancestor, fully contained top nodes, partially contained nodes).
fn resolve_range(html: &Html, r: &RangeSelector) -> Result<(NodeId, HashSet<NodeId>, HashSet<NodeId>), ExtractError> {
    let first = |b: &RangeBoundary, which: &str| -> Result<NodeId, ExtractError> {
        css_matches(html, b.css())?
            .first()
            .copied()
            .ok_or_else(|| ExtractError::SelectorMatchedNothing { selector: format!("{which} boundary {}", b.css()) })
    };
    let start_el = first(&r.start, "start")?;
    let end_el = first(&r.end, "end")?;
    let ord = order(html);
    // Positions in pre-order: a node N lies in the range when start <= pre(N) and last(N) < end.
    // Both boundaries are attached elements (see `css_matches`), so they are in the order maps.
    let position = |id: NodeId, after: bool| -> Option<usize> {
        if after {
            ord.last.get(&id).map(|l| l + 1)
        } else {
            ord.pre.get(&id).copied()
        }
    };
    let (Some(start), Some(end)) = (
        position(start_el, matches!(r.start, RangeBoundary::After(_))),
        position(end_el, matches!(r.end, RangeBoundary::After(_))),
    ) else {
        return Err(ExtractError::SelectorMatchedNothing { selector: r.start.css().to_string() });
    };
    let mut full = HashSet::new();
    let mut partial = HashSet::new();
    if end <= start {
        return Ok((html.tree.root().id(), full, partial));
    }
    // Common ancestor of the two boundary containers.
    let ancestors = |id: NodeId| -> Vec<NodeId> {
        let node = html.tree.get(id).expect("node from this tree");
        let mut v: Vec<NodeId> = node.ancestors().map(|a| a.id()).collect();
        v.reverse();
        v
    };
    let start_container = html.tree.get(start_el).and_then(|n| n.parent()).map(|p| p.id());
    let end_container = html.tree.get(end_el).and_then(|n| n.parent()).map(|p| p.id());
    let (Some(sc), Some(ec)) = (start_container, end_container) else {
        return Ok((html.tree.root().id(), full, partial));
    };
    let mut sa = ancestors(sc);
    sa.push(sc);
    let mut ea = ancestors(ec);
    ea.push(ec);
    let mut root = html.tree.root().id();
    for (a, b) in sa.iter().zip(ea.iter()) {
        if a == b {
            root = *a;
        } else {
            break;
        }
    }
    for id in sa.iter().chain(ea.iter()) {
        let (p, l) = (ord.pre[id], ord.last[id]);
        if ord.pre[id] > ord.pre[&root] && !(start <= p && l < end) {
            partial.insert(*id);
        }
    }
    // Top-most fully contained nodes under the root.
    let root_ref = html.tree.get(root).expect("root in tree");
    let mut stack: Vec<_> = root_ref.children().collect();
    while let Some(node) = stack.pop() {
        let (p, l) = (ord.pre[&node.id()], ord.last[&node.id()]);
        if start <= p && l < end {
            full.insert(node.id());
        } else if p < end && l >= start {
            stack.extend(node.children());
        }
    }
    Ok((root, full, partial))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_selectors_are_recognised_and_others_left_to_scraper() {
        let s = SimpleSelector::parse("article.legal.main").unwrap();
        assert_eq!(s, SimpleSelector { tag: Some("article"), id: None, classes: vec!["legal", "main"] });
        let s = SimpleSelector::parse("div#terms.x").unwrap();
        assert_eq!(s, SimpleSelector { tag: Some("div"), id: Some("terms"), classes: vec!["x"] });
        assert_eq!(SimpleSelector::parse("#a").unwrap().id, Some("a"));
        for other in
            ["main p", "a > b", ".a, .b", "[role=main]", "div:not(.x)", "*", "Article", "#a#b", ".a\\:b", "", "p."]
        {
            assert_eq!(SimpleSelector::parse(other), None, "{other}");
        }
    }

    /// The fast path finds exactly what scraper's matcher finds, in document order, and
    /// nothing inside a removed subtree.
    #[test]
    fn simple_selectors_match_exactly_what_scraper_matches() {
        let pages = [
            // Standards mode, classes in any order and spacing, nested matches, case variants.
            "<!doctype html><html><body><main id=terms class='legal  x'><div class=\"promo\tx\">a</div>\
             <article class='legal main'><p class=legal>b</p><P CLASS=Legal>c</P></article></main>\
             <svg><clipPath class=legal id=terms></clipPath></svg><div id=Terms class=promo>d</div></body></html>",
            // Quirks mode (no doctype): scraper still compares classes and ids exactly.
            "<html><body><div class=PROMO>a</div><div class=promo id=x>b</div><section id=X class='a b c'>c</section></body></html>",
        ];
        let selectors = [
            "main",
            "p",
            "div",
            "article",
            "svg",
            "clippath",
            ".legal",
            ".promo",
            ".x",
            ".Legal",
            "#terms",
            "#Terms",
            "#x",
            "#X",
            "div.promo",
            "div.promo.x",
            "p.legal",
            "main#terms.legal.x",
            "section.a.c",
            "section.a.d",
            ".b",
        ];
        for page in pages {
            let mut html = Html::parse_document(page);
            for round in 0..2 {
                for css in selectors {
                    let simple = SimpleSelector::parse(css).unwrap_or_else(|| panic!("{css} is simple"));
                    assert_eq!(
                        simple.matches(&html),
                        scraper_matches(&html, &parse_css(css).unwrap()),
                        "{css} on {page}"
                    );
                }
                // Then again after a removal: detached subtrees are not matched.
                if round == 0 {
                    apply_remove(&mut html, &[Selector::Css("article".into())]).unwrap();
                }
            }
        }
    }
}
