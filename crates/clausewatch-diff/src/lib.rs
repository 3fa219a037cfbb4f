//! Section-aware diff of two Markdown versions.
//!
//! Headings delimit sections; sections are aligned by heading, paragraphs within aligned
//! sections, and words within paragraphs that changed. Pure and deterministic (no time limits,
//! size caps instead), so a stored diff can always be recomputed.

use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices, Algorithm, ChangeTag, DiffTag, TextDiff};

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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDiff {
    pub op: SectionOp,
    pub old_path: Vec<String>,
    pub new_path: Vec<String>,
    pub paragraphs: Vec<ParagraphDiff>,
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
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Patience, &ka, &kb) {
        let (tag, ra, rb) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {
                for (i, j) in ra.zip(rb) {
                    out.push(section_pair(&a[i], &b[j]));
                }
            }
            DiffTag::Delete => out.extend(ra.map(|i| removed(&a[i]))),
            DiffTag::Insert => out.extend(rb.map(|j| added(&b[j]))),
            DiffTag::Replace => {
                // Renamed headings: pair sections in order while their bodies stay similar.
                let (ra, rb): (Vec<usize>, Vec<usize>) = (ra.collect(), rb.collect());
                let (mut i, mut j) = (0, 0);
                while i < ra.len() && j < rb.len() {
                    if body_similarity(&a[ra[i]], &b[rb[j]]) >= 0.5 {
                        out.push(section_pair(&a[ra[i]], &b[rb[j]]));
                        i += 1;
                        j += 1;
                    } else {
                        out.push(removed(&a[ra[i]]));
                        i += 1;
                    }
                }
                out.extend(ra[i..].iter().map(|&i| removed(&a[i])));
                out.extend(rb[j..].iter().map(|&j| added(&b[j])));
            }
        }
    }
    let stats = stats(&out);
    DocumentDiff { sections: out, stats }
}

fn key(heading: Option<&str>) -> String {
    heading.map(|h| h.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()).unwrap_or_default()
}

fn body_similarity(a: &Section, b: &Section) -> f64 {
    let wa: Vec<&str> = a.paragraphs.iter().flat_map(|p| p.split_whitespace()).collect();
    let wb: Vec<&str> = b.paragraphs.iter().flat_map(|p| p.split_whitespace()).collect();
    if wa.is_empty() && wb.is_empty() {
        return 1.0;
    }
    if wa.len().max(wb.len()) > MAX_WORD_DIFF_TOKENS {
        return 0.0;
    }
    let same: usize = capture_diff_slices(Algorithm::Patience, &wa, &wb)
        .iter()
        .filter_map(|op| match op.as_tag_tuple() {
            (DiffTag::Equal, r, _) => Some(r.len()),
            _ => None,
        })
        .sum();
    2.0 * same as f64 / (wa.len() + wb.len()) as f64
}

fn removed(s: &Section) -> SectionDiff {
    SectionDiff {
        op: SectionOp::Removed,
        old_path: s.path.clone(),
        new_path: vec![],
        paragraphs: s.paragraphs.iter().map(|p| ParagraphDiff::Removed { text: p.clone() }).collect(),
    }
}

fn added(s: &Section) -> SectionDiff {
    SectionDiff {
        op: SectionOp::Added,
        old_path: vec![],
        new_path: s.path.clone(),
        paragraphs: s.paragraphs.iter().map(|p| ParagraphDiff::Added { text: p.clone() }).collect(),
    }
}

fn section_pair(a: &Section, b: &Section) -> SectionDiff {
    let mut paragraphs = Vec::new();
    for op in capture_diff_slices(Algorithm::Patience, &a.paragraphs, &b.paragraphs) {
        let (tag, ra, rb) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => push_equal(&mut paragraphs, ra.len()),
            DiffTag::Delete => paragraphs.extend(ra.map(|i| ParagraphDiff::Removed { text: a.paragraphs[i].clone() })),
            DiffTag::Insert => paragraphs.extend(rb.map(|j| ParagraphDiff::Added { text: b.paragraphs[j].clone() })),
            DiffTag::Replace => {
                let (ra, rb): (Vec<usize>, Vec<usize>) = (ra.collect(), rb.collect());
                let pairs = ra.len().min(rb.len());
                for k in 0..pairs {
                    paragraphs
                        .push(ParagraphDiff::Changed { words: word_diff(&a.paragraphs[ra[k]], &b.paragraphs[rb[k]]) });
                }
                paragraphs
                    .extend(ra[pairs..].iter().map(|&i| ParagraphDiff::Removed { text: a.paragraphs[i].clone() }));
                paragraphs.extend(rb[pairs..].iter().map(|&j| ParagraphDiff::Added { text: b.paragraphs[j].clone() }));
            }
        }
    }
    let heading_changed = a.path != b.path;
    let changed = heading_changed || paragraphs.iter().any(|p| !matches!(p, ParagraphDiff::Equal { .. }));
    SectionDiff {
        op: if changed { SectionOp::Changed } else { SectionOp::Unchanged },
        old_path: a.path.clone(),
        new_path: b.path.clone(),
        paragraphs,
    }
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
    let mut out: Vec<WordChange> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => WordOp::Equal,
            ChangeTag::Insert => WordOp::Insert,
            ChangeTag::Delete => WordOp::Delete,
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => out.push(WordChange { op, text: change.value().to_string() }),
        }
    }
    out
}

fn stats(sections: &[SectionDiff]) -> DiffStats {
    let mut s = DiffStats::default();
    let words = |t: &str| t.split_whitespace().count();
    for sec in sections {
        match sec.op {
            SectionOp::Added => s.sections_added += 1,
            SectionOp::Removed => s.sections_removed += 1,
            SectionOp::Changed => s.sections_changed += 1,
            SectionOp::Unchanged => {}
        }
        for p in &sec.paragraphs {
            match p {
                ParagraphDiff::Equal { .. } => {}
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
                    for c in w {
                        match c.op {
                            WordOp::Insert => s.words_added += words(&c.text),
                            WordOp::Delete => s.words_removed += words(&c.text),
                            WordOp::Equal => {}
                        }
                    }
                }
            }
        }
    }
    s
}

/// A plain-text redline: `+`/`-` paragraphs, `[-old-]{+new+}` inside changed paragraphs,
/// unchanged sections and paragraphs folded.
pub fn render_text(d: &DocumentDiff) -> String {
    let mut out = String::new();
    for sec in &d.sections {
        if sec.op == SectionOp::Unchanged {
            continue;
        }
        let path = if sec.new_path.is_empty() { &sec.old_path } else { &sec.new_path };
        let title = if path.is_empty() { "(preamble)".to_string() } else { path.join(" › ") };
        let mark = match sec.op {
            SectionOp::Added => "+ section added",
            SectionOp::Removed => "- section removed",
            _ => "~ section changed",
        };
        out.push_str(&format!("## {title}  [{mark}]\n"));
        if sec.op == SectionOp::Changed && sec.old_path != sec.new_path && !sec.old_path.is_empty() {
            out.push_str(&format!("   (was: {})\n", sec.old_path.join(" › ")));
        }
        for p in &sec.paragraphs {
            match p {
                ParagraphDiff::Equal { count } => out.push_str(&format!("   … {count} unchanged paragraph(s)\n")),
                ParagraphDiff::Added { text } => out.push_str(&prefix_lines("+ ", text)),
                ParagraphDiff::Removed { text } => out.push_str(&prefix_lines("- ", text)),
                ParagraphDiff::Changed { words } => {
                    let mut line = String::new();
                    for w in words {
                        match w.op {
                            WordOp::Equal => line.push_str(&w.text),
                            WordOp::Delete => line.push_str(&format!("[-{}-]", w.text)),
                            WordOp::Insert => line.push_str(&format!("{{+{}+}}", w.text)),
                        }
                    }
                    out.push_str(&prefix_lines("~ ", &line));
                }
            }
        }
        out.push('\n');
    }
    out
}

fn prefix_lines(prefix: &str, text: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
