//! Section-aware diff of two Markdown versions.
//!
//! Headings delimit sections; sections are aligned by heading, paragraphs within aligned
//! sections, and words within paragraphs that changed. A section or paragraph that only changed
//! place is reported as a move, not as a deletion plus an insertion. Pure and deterministic (no
//! time limits, size caps instead), so a stored diff can always be recomputed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices, Algorithm, ChangeTag, DiffTag, TextDiff};

mod render;
pub use render::{escape_html, escape_markdown, render_html, render_markdown, render_text};

/// Paragraphs with more words than this are compared whole, not word by word.
const MAX_WORD_DIFF_TOKENS: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Headings from the top of the document down to this section (empty for the preamble).
    pub path: Vec<String>,
    pub level: u8,
    pub paragraphs: Vec<String>,
}

impl Section {
    pub fn heading(&self) -> Option<&str> {
        self.path.last().map(String::as_str)
    }
}

/// Split Markdown into sections at ATX (`### x`) and setext (`x\n===`) headings.
pub fn sections(md: &str) -> Vec<Section> {
    let mut out = vec![Section { path: vec![], level: 0, paragraphs: vec![] }];
    let mut stack: Vec<(u8, String)> = Vec::new();
    for block in md.split("\n\n") {
        let block = block.trim_matches('\n');
        if block.trim().is_empty() {
            continue;
        }
        if let Some((level, title)) = heading(block) {
            while stack.last().is_some_and(|(l, _)| *l >= level) {
                stack.pop();
            }
            stack.push((level, title));
            out.push(Section { path: stack.iter().map(|(_, t)| t.clone()).collect(), level, paragraphs: vec![] });
        } else if let Some(last) = out.last_mut() {
            last.paragraphs.extend(units(block));
        }
    }
    if out[0].paragraphs.is_empty() && out.len() > 1 {
        out.remove(0);
    }
    out
}

/// A block's comparable units: a list splits into its items (with their continuation and
/// nested lines), anything else is one paragraph.
fn units(block: &str) -> Vec<String> {
    if !is_list_item(block.lines().next().unwrap_or("")) {
        return vec![block.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    for line in block.lines() {
        let top_level = !line.starts_with([' ', '\t']);
        if (top_level && is_list_item(line)) || out.is_empty() {
            out.push(line.to_string());
        } else if let Some(last) = out.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    out
}

fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("*   ") || t.starts_with("- ") || t.starts_with("* ") {
        return true;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(".  "))
}

fn heading(block: &str) -> Option<(u8, String)> {
    let lines: Vec<&str> = block.lines().collect();
    if lines.len() == 1 {
        let line = lines[0];
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            return Some((hashes as u8, line[hashes..].trim().to_string()));
        }
    }
    if lines.len() == 2 && !lines[0].trim().is_empty() {
        let under = lines[1].trim();
        if !under.is_empty() && under.chars().all(|c| c == '=') {
            return Some((1, lines[0].trim().to_string()));
        }
        if under.len() >= 2 && under.chars().all(|c| c == '-') {
            return Some((2, lines[0].trim().to_string()));
        }
    }
    None
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionOp {
    Unchanged,
    Added,
    Removed,
    Changed,
    /// The section changed place (its body may also have changed: see `paragraphs`). It is
    /// listed at its new place; `moved_from` says where it was.
    Moved,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDiff {
    pub op: SectionOp,
    pub old_path: Vec<String>,
    pub new_path: Vec<String>,
    pub paragraphs: Vec<ParagraphDiff>,
    /// For a moved section: the path of the section it used to follow in the old version
    /// (empty when it was first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<MovedFrom>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedFrom {
    /// Position among the old version's sections (0-based).
    pub old_index: usize,
    /// Heading path of the old section just before it.
    pub after: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ParagraphDiff {
    /// Unchanged paragraphs are kept as a count: the text is in both versions.
    Equal {
        count: usize,
    },
    Added {
        text: String,
    },
    Removed {
        text: String,
    },
    Changed {
        words: Vec<WordChange>,
    },
    /// A paragraph that appears at another place: listed at its new place. When it was also
    /// reworded, `words` holds its word-level changes against the old text (empty for a move
    /// word for word).
    MovedHere {
        text: String,
        from: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        words: Vec<WordChange>,
    },
    /// Where a moved paragraph used to be (`changed`: it was reworded on the way).
    MovedAway {
        text: String,
        to: Vec<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        changed: bool,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordChange {
    pub op: WordOp,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WordOp {
    Equal,
    Insert,
    Delete,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffStats {
    pub sections_added: usize,
    pub sections_removed: usize,
    pub sections_changed: usize,
    pub paragraphs_added: usize,
    pub paragraphs_removed: usize,
    pub paragraphs_changed: usize,
    pub words_added: usize,
    pub words_removed: usize,
    #[serde(default)]
    pub sections_moved: usize,
    #[serde(default)]
    pub paragraphs_moved: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDiff {
    pub sections: Vec<SectionDiff>,
    pub stats: DiffStats,
}

impl DocumentDiff {
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.op == SectionOp::Unchanged)
    }
}

/// Diff two Markdown texts section by section.
pub fn diff(old: &str, new: &str) -> DocumentDiff {
    let a = sections(old);
    let b = sections(new);
    let ka: Vec<String> = a.iter().map(|s| key(s.heading())).collect();
    let kb: Vec<String> = b.iter().map(|s| key(s.heading())).collect();
    // Each entry with the old and new section it came from, for move detection.
    let mut out: Vec<(SectionDiff, Option<usize>, Option<usize>)> = Vec::new();
    for op in capture_diff_slices(Algorithm::Patience, &ka, &kb) {
        let (tag, ra, rb) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {
                for (i, j) in ra.zip(rb) {
                    out.push((section_pair(&a[i], &b[j]), Some(i), Some(j)));
                }
            }
            DiffTag::Delete => out.extend(ra.map(|i| (removed(&a[i]), Some(i), None))),
            DiffTag::Insert => out.extend(rb.map(|j| (added(&b[j]), None, Some(j)))),
            DiffTag::Replace => {
                // Renamed or renumbered headings: pair, in order, the sections whose bodies stay
                // similar, so that a section inserted among renumbered ones does not turn
                // every later section into a removal plus an addition.
                let (ra, rb): (Vec<usize>, Vec<usize>) = (ra.collect(), rb.collect());
                let steps = if ra.len() * rb.len() <= MAX_ALIGN_CELLS {
                    let (bo, bn): (Vec<WordBag>, Vec<WordBag>) = (
                        ra.iter().map(|&i| WordBag::of_section(&a[i])).collect(),
                        rb.iter().map(|&j| WordBag::of_section(&b[j])).collect(),
                    );
                    align_by(ra.len(), rb.len(), SECTION_PAIR_SIMILARITY, |i, j| bo[i].similarity(&bn[j]))
                } else {
                    // Too large to align: pair in order while the bodies stay similar.
                    let (mut i, mut j, mut steps) = (0, 0, Vec::new());
                    while i < ra.len() && j < rb.len() {
                        let sim = WordBag::of_section(&a[ra[i]]).similarity(&WordBag::of_section(&b[rb[j]]));
                        if sim >= SECTION_PAIR_SIMILARITY {
                            steps.push(Step::Pair(i, j));
                            j += 1;
                        } else {
                            steps.push(Step::Old(i));
                        }
                        i += 1;
                    }
                    steps.extend((i..ra.len()).map(Step::Old));
                    steps.extend((j..rb.len()).map(Step::New));
                    steps
                };
                for step in steps {
                    out.push(match step {
                        Step::Pair(i, j) => (section_pair(&a[ra[i]], &b[rb[j]]), Some(ra[i]), Some(rb[j])),
                        Step::Old(i) => (removed(&a[ra[i]]), Some(ra[i]), None),
                        Step::New(j) => (added(&b[rb[j]]), None, Some(rb[j])),
                    });
                }
            }
        }
    }
    let mut out = detect_section_moves(&a, &b, out);
    detect_paragraph_moves(&mut out);
    let stats = stats(&out);
    DocumentDiff { sections: out, stats }
}

/// Above this many (removed × added) section pairs, moves are found by heading alone.
const MAX_MOVE_COMPARISONS: usize = 4_000;

/// Pairs each added section with a removed one of the same heading or a similar body, and
/// lists the pair once, at its new place, as a move. Entries carry the old and new section they
/// came from.
fn detect_section_moves(
    a: &[Section],
    b: &[Section],
    mut out: Vec<(SectionDiff, Option<usize>, Option<usize>)>,
) -> Vec<SectionDiff> {
    let removed: Vec<usize> = (0..out.len()).filter(|&i| out[i].0.op == SectionOp::Removed).collect();
    let added: Vec<usize> = (0..out.len()).filter(|&i| out[i].0.op == SectionOp::Added).collect();
    let mut dropped = vec![false; out.len()];
    if !removed.is_empty() && !added.is_empty() {
        let compare_bodies = removed.len() * added.len() <= MAX_MOVE_COMPARISONS;
        // Each removed section's words, built once (None: too short to compare by body).
        let old_bags: Vec<Option<WordBag>> = removed
            .iter()
            .map(|&ri| {
                let oa = out[ri].1?;
                let bag = WordBag::of_section(&a[oa]);
                (compare_bodies && bag.len >= 5).then_some(bag)
            })
            .collect();
        let mut taken = vec![false; removed.len()];
        for &ai in &added {
            let Some(nb) = out[ai].2 else { continue };
            let new_bag = compare_bodies.then(|| WordBag::of_section(&b[nb]));
            let mut best: Option<(usize, usize, f64)> = None;
            for (k, &ri) in removed.iter().enumerate() {
                let Some(oa) = out[ri].1 else { continue };
                if taken[k] {
                    continue;
                }
                let same_heading = !a[oa].path.is_empty() && key(a[oa].heading()) == key(b[nb].heading());
                let sim = match (&old_bags[k], &new_bag) {
                    (Some(o), Some(n)) => o.similarity(n),
                    _ => 0.0,
                };
                let score = if same_heading { 1.0 + sim } else { sim };
                if (same_heading || sim >= 0.6) && best.is_none_or(|(_, _, s)| score > s) {
                    best = Some((k, oa, score));
                }
            }
            if let Some((k, oa, _)) = best {
                taken[k] = true;
                let mut moved = section_pair(&a[oa], &b[nb]);
                moved.op = SectionOp::Moved;
                moved.moved_from =
                    Some(MovedFrom { old_index: oa, after: if oa == 0 { vec![] } else { a[oa - 1].path.clone() } });
                out[ai].0 = moved;
                dropped[removed[k]] = true;
            }
        }
    }
    out.into_iter().zip(dropped).filter(|(_, d)| !d).map(|((s, _, _), _)| s).collect()
}

/// Paragraph text as compared (for moves, and paragraph against paragraph): whitespace
/// collapsed. Borrowed when it already is, as most paragraphs of a normalised text are, so
/// comparing two long documents does not copy them.
fn move_key(text: &str) -> std::borrow::Cow<'_, str> {
    let mut previous_space = true; // no space at the start
    let collapsed = text.chars().all(|c| {
        let ok = if c == ' ' { !previous_space } else { !c.is_whitespace() };
        previous_space = c == ' ';
        ok
    }) && !text.ends_with(' ');
    if collapsed {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// A removed paragraph that reappears word for word elsewhere (in another section or further
/// along the same one) is a move: marked at both places and not counted as words changed.
fn detect_paragraph_moves(out: &mut [SectionDiff]) {
    let path_of = |s: &SectionDiff| render::shown_path(s).to_vec();
    let mut removed: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (si, s) in out.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            if let ParagraphDiff::Removed { text } = p {
                if text.split_whitespace().count() >= 4 {
                    removed.entry(move_key(text).into_owned()).or_default().push((si, pi));
                }
            }
        }
    }
    if removed.is_empty() {
        return;
    }
    let mut pairs = Vec::new();
    for (si, s) in out.iter().enumerate() {
        for (pi, p) in s.paragraphs.iter().enumerate() {
            if let ParagraphDiff::Added { text } = p {
                if let Some(places) = removed.get_mut(move_key(text).as_ref()) {
                    if !places.is_empty() {
                        pairs.push((places.remove(0), (si, pi)));
                    }
                }
            }
        }
    }
    for ((rs, rp), (as_, ap)) in pairs {
        let (from, to) = (path_of(&out[rs]), path_of(&out[as_]));
        if let ParagraphDiff::Removed { text } = &out[rs].paragraphs[rp] {
            out[rs].paragraphs[rp] = ParagraphDiff::MovedAway { text: text.clone(), to, changed: false };
        }
        if let ParagraphDiff::Added { text } = &out[as_].paragraphs[ap] {
            out[as_].paragraphs[ap] = ParagraphDiff::MovedHere { text: text.clone(), from, words: vec![] };
        }
    }
    detect_reworded_paragraph_moves(out);
}

/// Paragraphs shorter than this are not matched as reworded moves: short lines ("Contact us")
/// resemble each other by chance.
const MIN_REWORDED_MOVE_WORDS: usize = 6;
/// Word-bag similarity from which a removed and an added paragraph are the same paragraph,
/// moved and reworded.
const REWORDED_MOVE_SIMILARITY: f64 = 0.6;
/// Above this many (removed × added) paragraph pairs, reworded moves are not looked for.
const MAX_REWORDED_MOVE_COMPARISONS: usize = 40_000;

/// A removed paragraph that reappears reworded at another place (another section, or out of
/// order in the same one) is shown once, at its new place, with its word-level changes.
fn detect_reworded_paragraph_moves(out: &mut [SectionDiff]) {
    let path_of = |s: &SectionDiff| render::shown_path(s).to_vec();
    let collect = |want_removed: bool| -> Vec<(usize, usize, WordBag)> {
        let mut v = Vec::new();
        for (si, s) in out.iter().enumerate() {
            for (pi, p) in s.paragraphs.iter().enumerate() {
                let text = match (p, want_removed) {
                    (ParagraphDiff::Removed { text }, true) | (ParagraphDiff::Added { text }, false) => text,
                    _ => continue,
                };
                let bag = WordBag::new(text);
                if bag.len >= MIN_REWORDED_MOVE_WORDS {
                    v.push((si, pi, bag));
                }
            }
        }
        v
    };
    let (removed, added) = (collect(true), collect(false));
    if removed.is_empty() || added.is_empty() || removed.len() * added.len() > MAX_REWORDED_MOVE_COMPARISONS {
        return;
    }
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (r, (_, _, rb)) in removed.iter().enumerate() {
        for (a, (_, _, ab)) in added.iter().enumerate() {
            // The similarity cannot reach the bar when the lengths differ too much.
            if 2.0 * rb.len.min(ab.len) as f64 / ((rb.len + ab.len) as f64) < REWORDED_MOVE_SIMILARITY {
                continue;
            }
            let sim = rb.similarity(ab);
            if sim >= REWORDED_MOVE_SIMILARITY {
                candidates.push((sim, r, a));
            }
        }
    }
    // Best pairs first; ties keep document order, so the result is deterministic.
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let (mut r_taken, mut a_taken) = (vec![false; removed.len()], vec![false; added.len()]);
    for (_, r, a) in candidates {
        if r_taken[r] || a_taken[a] {
            continue;
        }
        r_taken[r] = true;
        a_taken[a] = true;
        let ((rs, rp, _), (as_, ap, _)) = (&removed[r], &added[a]);
        let (from, to) = (path_of(&out[*rs]), path_of(&out[*as_]));
        let old_text = match &out[*rs].paragraphs[*rp] {
            ParagraphDiff::Removed { text } => text.clone(),
            _ => continue,
        };
        if let ParagraphDiff::Added { text } = &out[*as_].paragraphs[*ap] {
            let words = word_diff(&old_text, text);
            out[*as_].paragraphs[*ap] = ParagraphDiff::MovedHere { text: text.clone(), from, words };
        }
        out[*rs].paragraphs[*rp] = ParagraphDiff::MovedAway { text: old_text, to, changed: true };
    }
}

/// A paragraph's words, lowercased and counted, for a cheap similarity that ignores order.
struct WordBag {
    counts: HashMap<String, usize>,
    len: usize,
}

impl WordBag {
    fn new(text: &str) -> Self {
        Self::of_texts(std::iter::once(text))
    }

    /// The words of a section's body.
    fn of_section(s: &Section) -> Self {
        Self::of_texts(s.paragraphs.iter().map(String::as_str))
    }

    fn of_texts<'a>(texts: impl Iterator<Item = &'a str>) -> Self {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut len = 0;
        for w in texts.flat_map(str::split_whitespace) {
            let w: String = w.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
            if !w.is_empty() {
                *counts.entry(w).or_default() += 1;
                len += 1;
            }
        }
        WordBag { counts, len }
    }

    /// Dice coefficient over the two multisets of words.
    fn similarity(&self, other: &WordBag) -> f64 {
        if self.len == 0 && other.len == 0 {
            return 1.0;
        }
        let (small, large) = if self.counts.len() <= other.counts.len() { (self, other) } else { (other, self) };
        let common: usize = small.counts.iter().map(|(w, &n)| n.min(large.counts.get(w).copied().unwrap_or(0))).sum();
        2.0 * common as f64 / (self.len + other.len) as f64
    }
}

fn key(heading: Option<&str>) -> String {
    heading.map(|h| h.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()).unwrap_or_default()
}

fn removed(s: &Section) -> SectionDiff {
    SectionDiff {
        op: SectionOp::Removed,
        old_path: s.path.clone(),
        new_path: vec![],
        paragraphs: s.paragraphs.iter().map(|p| ParagraphDiff::Removed { text: p.clone() }).collect(),
        moved_from: None,
    }
}

fn added(s: &Section) -> SectionDiff {
    SectionDiff {
        op: SectionOp::Added,
        old_path: vec![],
        new_path: s.path.clone(),
        paragraphs: s.paragraphs.iter().map(|p| ParagraphDiff::Added { text: p.clone() }).collect(),
        moved_from: None,
    }
}

fn section_pair(a: &Section, b: &Section) -> SectionDiff {
    let mut paragraphs = Vec::new();
    // Most sections of a changed document are untouched: equal as written, no keys needed.
    let ops = if a.paragraphs == b.paragraphs {
        if !a.paragraphs.is_empty() {
            push_equal(&mut paragraphs, a.paragraphs.len());
        }
        Vec::new()
    } else {
        // Paragraphs are compared with whitespace collapsed: re-indented list items or changed
        // line breaks are layout, not wording.
        let ka: Vec<std::borrow::Cow<'_, str>> = a.paragraphs.iter().map(|p| move_key(p)).collect();
        let kb: Vec<std::borrow::Cow<'_, str>> = b.paragraphs.iter().map(|p| move_key(p)).collect();
        capture_diff_slices(Algorithm::Patience, &ka, &kb)
    };
    for op in ops {
        let (tag, ra, rb) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => push_equal(&mut paragraphs, ra.len()),
            DiffTag::Delete => paragraphs.extend(ra.map(|i| ParagraphDiff::Removed { text: a.paragraphs[i].clone() })),
            DiffTag::Insert => paragraphs.extend(rb.map(|j| ParagraphDiff::Added { text: b.paragraphs[j].clone() })),
            DiffTag::Replace => {
                let (ra, rb): (Vec<usize>, Vec<usize>) = (ra.collect(), rb.collect());
                for step in
                    align_paragraphs(&a.paragraphs[ra[0]..=ra[ra.len() - 1]], &b.paragraphs[rb[0]..=rb[rb.len() - 1]])
                {
                    paragraphs.push(match step {
                        Step::Pair(i, j) => {
                            ParagraphDiff::Changed { words: word_diff(&a.paragraphs[ra[i]], &b.paragraphs[rb[j]]) }
                        }
                        Step::Old(i) => ParagraphDiff::Removed { text: a.paragraphs[ra[i]].clone() },
                        Step::New(j) => ParagraphDiff::Added { text: b.paragraphs[rb[j]].clone() },
                    });
                }
            }
        }
    }
    let heading_changed = a.path.iter().map(|h| key(Some(h))).ne(b.path.iter().map(|h| key(Some(h))));
    let changed = heading_changed || paragraphs.iter().any(|p| !matches!(p, ParagraphDiff::Equal { .. }));
    SectionDiff {
        op: if changed { SectionOp::Changed } else { SectionOp::Unchanged },
        old_path: a.path.clone(),
        new_path: b.path.clone(),
        paragraphs,
        moved_from: None,
    }
}

enum Step {
    Pair(usize, usize),
    Old(usize),
    New(usize),
}

/// Paragraph word-bag similarity from which two paragraphs at the same place are one
/// paragraph reworded (below it: one removed, another added).
const REWORDED_SIMILARITY: f64 = 0.4;
/// Replaced runs larger than this (old × new paragraphs) are paired by position.
const MAX_ALIGN_CELLS: usize = 2_500;

/// Body similarity from which two sections in a replaced run are one section renamed.
const SECTION_PAIR_SIMILARITY: f64 = 0.5;

/// Aligns a run of replaced paragraphs: pairs (in order) the ones that are the same paragraph
/// reworded, so that an inserted paragraph does not shift every pairing after it.
fn align_paragraphs(old: &[String], new: &[String]) -> Vec<Step> {
    let (n, m) = (old.len(), new.len());
    if n * m > MAX_ALIGN_CELLS {
        let pairs = n.min(m);
        let mut steps: Vec<Step> = (0..pairs).map(|k| Step::Pair(k, k)).collect();
        steps.extend((pairs..n).map(Step::Old));
        steps.extend((pairs..m).map(Step::New));
        return steps;
    }
    let (bo, bn): (Vec<WordBag>, Vec<WordBag>) =
        (old.iter().map(|p| WordBag::new(p)).collect(), new.iter().map(|p| WordBag::new(p)).collect());
    align_by(n, m, REWORDED_SIMILARITY, |i, j| bo[i].similarity(&bn[j]))
}

/// In-order alignment of two runs that maximises the summed similarity of the pairs, pairing
/// only items at least `threshold` alike (dynamic programming over the n × m cells).
fn align_by(n: usize, m: usize, threshold: f64, similarity: impl Fn(usize, usize) -> f64) -> Vec<Step> {
    let sim: Vec<Vec<f64>> = (0..n).map(|i| (0..m).map(|j| similarity(i, j)).collect()).collect();
    // best[i][j]: best total similarity aligning old[i..] with new[j..].
    let mut best = vec![vec![0.0f64; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let mut v = best[i + 1][j].max(best[i][j + 1]);
            if sim[i][j] >= threshold {
                v = v.max(sim[i][j] + best[i + 1][j + 1]);
            }
            best[i][j] = v;
        }
    }
    let (mut i, mut j, mut steps) = (0, 0, Vec::new());
    while i < n && j < m {
        if sim[i][j] >= threshold && best[i][j] == sim[i][j] + best[i + 1][j + 1] {
            steps.push(Step::Pair(i, j));
            i += 1;
            j += 1;
        } else if best[i][j] == best[i + 1][j] {
            steps.push(Step::Old(i));
            i += 1;
        } else {
            steps.push(Step::New(j));
            j += 1;
        }
    }
    steps.extend((i..n).map(Step::Old));
    steps.extend((j..m).map(Step::New));
    steps
}

fn push_equal(out: &mut Vec<ParagraphDiff>, n: usize) {
    if let Some(ParagraphDiff::Equal { count }) = out.last_mut() {
        *count += n;
    } else {
        out.push(ParagraphDiff::Equal { count: n });
    }
}

/// Word-level changes inside one paragraph (whitespace kept with the words).
pub fn word_diff(old: &str, new: &str) -> Vec<WordChange> {
    if old.split_whitespace().count().max(new.split_whitespace().count()) > MAX_WORD_DIFF_TOKENS {
        return vec![
            WordChange { op: WordOp::Delete, text: old.to_string() },
            WordChange { op: WordOp::Insert, text: new.to_string() },
        ];
    }
    let diff = TextDiff::configure().algorithm(Algorithm::Patience).diff_words(old, new);
    let changes: Vec<(WordOp, &str)> = diff
        .iter_all_changes()
        .map(|c| {
            let op = match c.tag() {
                ChangeTag::Equal => WordOp::Equal,
                ChangeTag::Insert => WordOp::Insert,
                ChangeTag::Delete => WordOp::Delete,
            };
            (op, c.value())
        })
        .collect();
    let is_change = |k: usize| changes[k].0 != WordOp::Equal;
    let is_space = |k: usize| changes[k].1.trim().is_empty();
    let mut out: Vec<WordChange> = Vec::new();
    let mut push = |op: WordOp, text: &str| match out.last_mut() {
        Some(last) if last.op == op => last.text.push_str(text),
        _ => out.push(WordChange { op, text: text.to_string() }),
    };
    let mut k = 0;
    while k < changes.len() {
        if !is_change(k) {
            push(WordOp::Equal, changes[k].1);
            k += 1;
            continue;
        }
        // A run of changes, spaces kept in common included, is shown as one deletion and one
        // insertion: "[-old words-]{+new words+}", not word against word.
        let mut end = k + 1;
        loop {
            let mut next = end;
            while next < changes.len() && !is_change(next) && is_space(next) {
                next += 1;
            }
            if next < changes.len() && is_change(next) {
                end = next + 1;
            } else {
                break;
            }
        }
        let (mut old_run, mut new_run) = (String::new(), String::new());
        for &(op, value) in &changes[k..end] {
            match op {
                WordOp::Delete => old_run.push_str(value),
                WordOp::Insert => new_run.push_str(value),
                WordOp::Equal => {
                    old_run.push_str(value);
                    new_run.push_str(value);
                }
            }
        }
        // Whitespace changed on its own is layout: shown as the new text, unmarked.
        match (old_run.trim().is_empty(), new_run.trim().is_empty()) {
            (true, true) if new_run.is_empty() => {}
            (true, true) => push(WordOp::Equal, &new_run),
            (true, false) => push(WordOp::Insert, &new_run),
            (false, true) => push(WordOp::Delete, &old_run),
            (false, false) => {
                push(WordOp::Delete, &old_run);
                push(WordOp::Insert, &new_run);
            }
        }
        k = end;
    }
    out
}

fn count_words(s: &mut DiffStats, changes: &[WordChange]) {
    for c in changes {
        match c.op {
            WordOp::Insert => s.words_added += c.text.split_whitespace().count(),
            WordOp::Delete => s.words_removed += c.text.split_whitespace().count(),
            WordOp::Equal => {}
        }
    }
}

fn stats(sections: &[SectionDiff]) -> DiffStats {
    let mut s = DiffStats::default();
    let words = |t: &str| t.split_whitespace().count();
    for sec in sections {
        match sec.op {
            SectionOp::Added => s.sections_added += 1,
            SectionOp::Removed => s.sections_removed += 1,
            SectionOp::Changed => s.sections_changed += 1,
            SectionOp::Moved => s.sections_moved += 1,
            SectionOp::Unchanged => {}
        }
        for p in &sec.paragraphs {
            match p {
                ParagraphDiff::Equal { .. } | ParagraphDiff::MovedAway { .. } => {}
                ParagraphDiff::MovedHere { words: w, .. } => {
                    s.paragraphs_moved += 1;
                    count_words(&mut s, w);
                }
                ParagraphDiff::Added { text } => {
                    s.paragraphs_added += 1;
                    s.words_added += words(text);
                }
                ParagraphDiff::Removed { text } => {
                    s.paragraphs_removed += 1;
                    s.words_removed += words(text);
                }
                ParagraphDiff::Changed { words: w } => {
                    s.paragraphs_changed += 1;
                    count_words(&mut s, w);
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_keys_collapse_whitespace_and_borrow_when_already_collapsed() {
        for text in [
            "",
            "plain words here",
            "curly ’quotes’ and café",
            " leading",
            "trailing ",
            "two  spaces",
            "tab\there",
            "line\nbreak",
            "no\u{a0}break space",
            "  ",
        ] {
            let key = move_key(text);
            assert_eq!(key, text.split_whitespace().collect::<Vec<_>>().join(" "), "{text:?}");
            assert_eq!(matches!(key, std::borrow::Cow::Borrowed(_)), key == text, "{text:?}");
        }
    }

    const OLD: &str = "Intro text.\n\nTerms\n=====\n\n## Refunds\n\nRefunds within 24 hours.\n\nNo refunds of fees.\n\n## Law\n\nCalifornia law applies.\n";

    #[test]
    fn splits_sections_with_paths() {
        let s = sections(OLD);
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].path, Vec::<String>::new());
        assert_eq!(s[2].path, vec!["Terms".to_string(), "Refunds".to_string()]);
        assert_eq!(s[2].paragraphs.len(), 2);
    }

    #[test]
    fn word_change_inside_a_section() {
        let new = OLD.replace("24 hours", "48 hours");
        let d = diff(OLD, &new);
        let changed: Vec<_> = d.sections.iter().filter(|s| s.op == SectionOp::Changed).collect();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].new_path.last().unwrap(), "Refunds");
        assert_eq!(d.stats.paragraphs_changed, 1);
        assert_eq!((d.stats.words_added, d.stats.words_removed), (1, 1));
        let text = render_text(&d);
        assert!(text.contains("[-24-]{+48+}"), "{text}");
    }

    #[test]
    fn list_items_are_compared_one_by_one() {
        let old = "## Uses\n\n*   one\n*   two\n    *   nested\n*   three\n";
        let new = "## Uses\n\n*   one\n*   two changed\n    *   nested\n*   three\n";
        let d = diff(old, new);
        assert_eq!(d.stats.paragraphs_changed, 1);
        assert_eq!(d.stats.words_added, 1);
        assert_eq!(sections(old)[0].paragraphs.len(), 3);
    }

    #[test]
    fn added_section_and_identity() {
        let new = format!("{OLD}\n## Arbitration\n\nDisputes go to JAMS.\n");
        let d = diff(OLD, &new);
        assert_eq!(d.stats.sections_added, 1);
        assert!(diff(OLD, OLD).is_empty());
    }

    const MOVES: &str = "## Scope\n\nThese terms cover the app.\n\n## Fees\n\nYou pay a monthly fee of ten euros for the plan.\n\nFees are charged in advance each month.\n\n## Law\n\nIrish law applies to these terms.\n\n## Contact\n\nWrite to us at the address below.\n";

    #[test]
    fn a_moved_section_is_a_move_not_a_deletion_and_insertion() {
        // "Fees" goes to the end, unchanged.
        let new = "## Scope\n\nThese terms cover the app.\n\n## Law\n\nIrish law applies to these terms.\n\n## Contact\n\nWrite to us at the address below.\n\n## Fees\n\nYou pay a monthly fee of ten euros for the plan.\n\nFees are charged in advance each month.\n";
        let d = diff(MOVES, new);
        assert_eq!((d.stats.sections_added, d.stats.sections_removed, d.stats.sections_moved), (0, 0, 1));
        assert_eq!((d.stats.words_added, d.stats.words_removed), (0, 0));
        let moved = d.sections.iter().find(|s| s.op == SectionOp::Moved).unwrap();
        assert_eq!(moved.new_path, vec!["Fees".to_string()]);
        assert_eq!(moved.moved_from.as_ref().unwrap().after, vec!["Scope".to_string()]);
        let text = render_text(&d);
        assert!(text.contains("section moved from after «Scope»"), "{text}");
        assert!(!text.contains("- You pay"), "{text}");
        // Moved and edited, under a new heading: still one move, with the word change inside.
        let edited = new.replace("## Fees", "## Charges").replace("ten euros", "twelve euros");
        let d = diff(MOVES, &edited);
        assert_eq!(d.stats.sections_moved, 1, "{:#?}", d.sections);
        assert_eq!((d.stats.words_added, d.stats.words_removed), (1, 1));
        let text = render_text(&d);
        assert!(text.contains("was «Fees»") && text.contains("and changed"), "{text}");
        assert!(text.contains("[-ten-]{+twelve+}"), "{text}");
    }

    #[test]
    fn a_paragraph_moved_to_another_section_is_marked_at_both_places() {
        let new = MOVES.replace("\n\nFees are charged in advance each month.", "").replace(
            "Irish law applies to these terms.",
            "Irish law applies to these terms.\n\nFees are charged in advance each month.",
        );
        let d = diff(MOVES, &new);
        assert_eq!(d.stats.paragraphs_moved, 1);
        assert_eq!((d.stats.words_added, d.stats.words_removed), (0, 0));
        let text = render_text(&d);
        assert!(text.contains("> moved here from «Fees»:"), "{text}");
        assert!(text.contains("< moved to «Law»: Fees are charged"), "{text}");
    }

    #[test]
    fn markdown_and_html_redlines_escape_document_text() {
        let old = "## Terms\n\nUse at your own risk.\n";
        let new = "## Terms\n\nUse at your own <script>alert(1)</script> risk [click](javascript:x) **now**.\n\n# <img src=x onerror=y>\n\nNew section text here.\n";
        let d = diff(old, new);
        let html = render_html(&d);
        assert!(!html.contains("<script>") && !html.contains("<img"), "{html}");
        assert!(html.contains("<ins>") && html.contains("&lt;script&gt;"), "{html}");
        let md = render_markdown(&d);
        assert!(!md.contains("<script>") && !md.contains("<img") && !md.contains("[click]("), "{md}");
        assert!(md.contains("\\[click\\]"), "{md}");
        assert!(md.contains("— *section added*"), "{md}");
        assert!(md.contains("**"), "inserted words are bold: {md}");
        assert!(md.contains("unchanged") || d.stats.sections_changed == 1, "{md}");
    }

    #[test]
    fn unchanged_sections_are_folded() {
        let new = MOVES.replace("ten euros", "eleven euros");
        let d = diff(MOVES, &new);
        for r in [render_text(&d), render_markdown(&d), render_html(&d)] {
            assert!(r.contains("3 unchanged section(s) not shown"), "{r}");
            assert!(!r.contains("Irish law"), "{r}");
        }
    }

    #[test]
    fn a_heading_that_becomes_text_is_named() {
        let old =
            "Privacy policy\n==============\n\nWe collect your name when you sign up.\n\nWe keep it for a year.\n";
        let new = "We collect your name when you sign up.\n\nWe keep it for a year.\n";
        let text = render_text(&diff(old, new));
        assert!(text.contains("heading «Privacy policy» removed"), "{text}");
        let back = render_text(&diff(new, old));
        assert!(back.contains("heading added over existing text"), "{back}");
    }

    #[test]
    fn a_moved_section_whose_heading_repeats_is_compared_with_itself() {
        let old = "## Details\n\nAlpha text about refunds and fees for the plan.\n\n## Other\n\nSomething else in entirely different words here.\n\n## Details\n\nBeta text about data retention periods and logs.\n";
        // The first "Details" moves to the end, after the other one.
        let new = "## Other\n\nSomething else in entirely different words here.\n\n## Details\n\nBeta text about data retention periods and logs.\n\n## Details\n\nAlpha text about refunds and fees for the plan.\n";
        let d = diff(old, new);
        assert_eq!((d.stats.words_added, d.stats.words_removed), (0, 0), "{:#?}", d.sections);
        assert_eq!(d.stats.sections_moved, 1, "{:#?}", d.sections);
        for s in d.sections.iter().filter(|s| s.op == SectionOp::Moved) {
            assert!(s.paragraphs.iter().all(|p| matches!(p, ParagraphDiff::Equal { .. })), "{s:#?}");
        }
    }

    #[test]
    fn a_paragraph_moved_and_reworded_is_one_move_with_its_word_changes() {
        let old = "## Fees\n\nYou pay the monthly fee in advance on the first day of each month.\n\nFees are not refundable.\n\n## Law\n\nIrish law applies to these terms.\n";
        // The first paragraph moves to «Law» and "first day" becomes "fifth day".
        let new = "## Fees\n\nFees are not refundable.\n\n## Law\n\nIrish law applies to these terms.\n\nYou pay the monthly fee in advance on the fifth day of each month.\n";
        let d = diff(old, new);
        assert_eq!(d.stats.paragraphs_moved, 1, "{:#?}", d.sections);
        assert_eq!((d.stats.words_added, d.stats.words_removed), (1, 1), "{:#?}", d.sections);
        assert_eq!((d.stats.paragraphs_added, d.stats.paragraphs_removed), (0, 0));
        let text = render_text(&d);
        assert!(text.contains("> moved here from «Fees», and reworded:"), "{text}");
        assert!(text.contains("[-first-]{+fifth+}"), "{text}");
        assert!(text.contains("< moved to «Law» and reworded: You pay"), "{text}");
        let html = render_html(&d);
        assert!(html.contains("and reworded") && html.contains("<del>first</del>"), "{html}");
        let md = render_markdown(&d);
        assert!(md.contains("~~first~~") && md.contains("**fifth**"), "{md}");
        // Stored diffs written before the field existed still read.
        let json = serde_json::to_string(&d).unwrap();
        let back: DocumentDiff = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        let legacy = r#"{"op":"moved_here","text":"x","from":["A"]}"#;
        assert!(
            matches!(serde_json::from_str::<ParagraphDiff>(legacy).unwrap(), ParagraphDiff::MovedHere { words, .. } if words.is_empty())
        );
    }

    #[test]
    fn a_paragraph_moved_and_reworded_within_its_section_is_a_move() {
        let old = "## Use\n\nYou must be at least 13 years old to create an account.\n\nDo not share your password with anyone.\n\nWe may suspend accounts that break these rules.\n";
        let new = "## Use\n\nDo not share your password with anyone.\n\nWe may suspend accounts that break these rules.\n\nYou must be at least 16 years old to create an account.\n";
        let d = diff(old, new);
        assert_eq!(d.stats.paragraphs_moved, 1, "{:#?}", d.sections);
        assert_eq!((d.stats.words_added, d.stats.words_removed), (1, 1));
        assert!(render_text(&d).contains("[-13-]{+16+}"));
    }

    #[test]
    fn an_inserted_paragraph_does_not_shift_the_pairing_of_reworded_ones() {
        let old =
            "## Data\n\nWe collect your name and e-mail address.\n\nWe keep your data for two years after you leave.\n";
        let new = "## Data\n\nWe collect your full name and e-mail address.\n\nWe share your location with advertising partners.\n\nWe keep your data for three years after you leave.\n";
        let d = diff(old, new);
        assert_eq!(d.stats.paragraphs_changed, 2, "{:#?}", d.sections);
        assert_eq!(d.stats.paragraphs_added, 1);
        let text = render_text(&d);
        assert!(text.contains("+ We share your location"), "{text}");
        assert!(text.contains("[-two-]{+three+}"), "{text}");
        // Unrelated paragraphs are not paired as moves.
        let d =
            diff("## A\n\nOne two three four five six seven.\n", "## B\n\nEight nine ten eleven twelve thirteen.\n");
        assert_eq!(d.stats.paragraphs_moved, 0);
    }

    #[test]
    fn deleted_and_inserted_runs_keep_the_spaces_between_their_words() {
        let words = word_diff(
            "These Connectors Terms govern your use of the API.",
            "By creating an App you accept these App Developer Terms.",
        );
        let text = words_as_text(&words);
        assert!(!text.contains("ConnectorsTerms") && !text.contains("AppDeveloper"), "{text}");
        assert!(text.contains("Developer Terms"), "{text}");
        // A space changed on its own is still layout.
        let layout = word_diff("one two", "one  two");
        assert!(layout.iter().all(|w| w.op == WordOp::Equal), "{layout:?}");
    }

    fn words_as_text(words: &[WordChange]) -> String {
        words
            .iter()
            .map(|w| match w.op {
                WordOp::Equal => w.text.clone(),
                WordOp::Delete => format!("[-{}-]", w.text),
                WordOp::Insert => format!("{{+{}+}}", w.text),
            })
            .collect()
    }

    #[test]
    fn a_section_inserted_among_renumbered_ones_leaves_the_others_in_place() {
        let old = "## 8. Location\n\nThe app uses your location to show nearby people and events.\n\n## 9. Disclaimer\n\nThe service is provided as is, without any warranty of any kind.\n\n## 10. Liability\n\nOur liability is limited to the amount you paid in the last year.\n";
        let new = "## 8. Location\n\nThe app uses your location to show nearby people and events.\n\n## 9. Pitches\n\nYou may pitch a friend to other members with their consent only.\n\n## 10. Disclaimer\n\nThe service is provided as is, without any warranty of any kind.\n\n## 11. Liability\n\nOur liability is limited to the amount you paid in the last year.\n";
        let d = diff(old, new);
        assert_eq!(d.stats.sections_moved, 0, "{:#?}", d.sections);
        assert_eq!(d.stats.sections_added, 1, "{:#?}", d.sections);
        assert_eq!((d.stats.words_added, d.stats.words_removed), (12, 0), "{:#?}", d.sections);
        let text = render_text(&d);
        assert!(text.contains("## 10. Disclaimer  [section renumbered, was «9. Disclaimer»]"), "{text}");
        // Markup on a heading is not a new number.
        let bold = render_text(&diff("## Law\n\nIrish law applies here.\n", "## **Law**\n\nIrish law applies here.\n"));
        assert!(bold.contains("section changed, was «Law»"), "{bold}");
    }

    /// Random documents and random edits (moves, rewordings, insertions, deletions, renamed
    /// and renumbered headings): the diff never panics, a document against itself is empty,
    /// and every renderer runs.
    #[test]
    fn random_edits_never_break_the_diff() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        const WORDS: &[&str] = &[
            "we", "may", "share", "your", "data", "with", "partners", "refund", "within", "14", "days", "not", "law",
            "Ireland", "*", "-", "#", "[x](y)", "<b>", "&amp;",
        ];
        for _ in 0..300 {
            let mut paras: Vec<String> = Vec::new();
            for _ in 0..next(25) {
                let p = match next(6) {
                    0 => format!("{} {} {}", "#".repeat(1 + next(3)), next(20), WORDS[next(WORDS.len())]),
                    1 => format!(
                        "* {}",
                        (0..1 + next(6)).map(|_| WORDS[next(WORDS.len())]).collect::<Vec<_>>().join(" ")
                    ),
                    _ => (0..1 + next(30)).map(|_| WORDS[next(WORDS.len())]).collect::<Vec<_>>().join(" "),
                };
                paras.push(p);
            }
            let old = paras.join("\n\n");
            for _ in 0..next(6) {
                if paras.is_empty() {
                    break;
                }
                let i = next(paras.len());
                match next(5) {
                    0 => {
                        let p = paras.remove(i);
                        let j = next(paras.len() + 1);
                        paras.insert(j, p);
                    }
                    1 => paras[i].push_str(" amended"),
                    2 => {
                        paras.remove(i);
                    }
                    3 => paras.insert(i, format!("## {} new", next(9))),
                    _ => paras[i] = paras[i].replacen(char::is_numeric, "7", 1),
                }
            }
            let new = paras.join("\n\n");
            let d = diff(&old, &new);
            let _ = (render_text(&d), render_markdown(&d), render_html(&d));
            assert!(diff(&old, &old).is_empty(), "{old}");
            if old == new {
                assert!(d.is_empty());
            }
        }
    }
}
