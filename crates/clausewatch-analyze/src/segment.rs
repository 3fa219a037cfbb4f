//! Markdown → sections (heading path) → clauses (sentences), each with a stable anchor:
//! section path, byte offsets into the Markdown, and a hash of the quote's canonical text.
//! Re-anchoring finds a quote again in a new version by hash, then by fuzzy match.

use serde::{Deserialize, Serialize};

use crate::text;

/// Blocks longer than this are cut into pieces of at most this many bytes (bounded work per clause).
const MAX_CLAUSE_BYTES: usize = 4_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clause {
    /// Headings from the top of the document down to the clause's section.
    pub section: Vec<String>,
    /// Byte offsets of the quote in the Markdown.
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Clause {
    pub fn section_label(&self) -> String {
        self.section.join(" › ")
    }
    pub fn anchor(&self) -> Anchor {
        Anchor { section: self.section.clone(), start: self.start, end: self.end, quote_hash: quote_hash(&self.text) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    pub section: Vec<String>,
    pub start: usize,
    pub end: usize,
    /// First 16 hex digits of BLAKE3 over the canonical quote: survives reformatting.
    pub quote_hash: String,
}

pub fn quote_hash(quote: &str) -> String {
    blake3::hash(text::canonical(quote).as_bytes()).to_hex()[..16].to_string()
}

fn heading(line: &str) -> Option<(usize, String)> {
    let t = line.trim_start();
    let hashes = t.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
        let title = t[hashes..].trim().trim_end_matches('#').trim();
        return Some((hashes, text::strip_markdown(title).split_whitespace().collect::<Vec<_>>().join(" ")));
    }
    None
}

fn is_setext_underline(line: &str) -> Option<usize> {
    let t = line.trim();
    if t.len() >= 2 && t.bytes().all(|b| b == b'=') {
        Some(1)
    } else if t.len() >= 2 && t.bytes().all(|b| b == b'-') {
        Some(2)
    } else {
        None
    }
}

fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        return true;
    }
    let digits = t.bytes().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && digits < 10 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
}

/// Splits Markdown into clauses. Headings open sections; blank lines, list items and table rows
/// end blocks; blocks split into sentences.
pub fn clauses(md: &str) -> Vec<Clause> {
    clauses_and_pages(md).0
}

/// `clauses`, and the titles of the level-one headings (`# Title`, or a line over `===`) as
/// they stand in section paths: the pages of a capture that holds several.
pub fn clauses_and_pages(md: &str) -> (Vec<Clause>, Vec<String>) {
    let mut out = Vec::new();
    let mut pages = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut block: Option<(usize, usize)> = None;
    let lines: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut pos = 0;
        for l in md.split_inclusive('\n') {
            v.push((pos, l.trim_end_matches(['\n', '\r'])));
            pos += l.len();
        }
        v
    };
    let path = |stack: &Vec<(usize, String)>| stack.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    let flush = |block: &mut Option<(usize, usize)>, stack: &Vec<(usize, String)>, out: &mut Vec<Clause>| {
        if let Some((s, e)) = block.take() {
            sentences(md, s, e, &path(stack), out);
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let (pos, line) = lines[i];
        let next_setext = lines.get(i + 1).and_then(|(_, l)| is_setext_underline(l));
        if let Some((level, title)) = heading(line) {
            flush(&mut block, &stack, &mut out);
            set_heading(&mut stack, level, title, &mut pages);
        } else if let (Some(level), false, true) = (next_setext, line.trim().is_empty(), block.is_none()) {
            flush(&mut block, &stack, &mut out);
            let title = text::strip_markdown(line).split_whitespace().collect::<Vec<_>>().join(" ");
            set_heading(&mut stack, level, title, &mut pages);
            i += 1;
        } else if line.trim().is_empty() || line.trim_start().starts_with("```") {
            flush(&mut block, &stack, &mut out);
        } else if is_list_item(line) || line.trim_start().starts_with('|') {
            flush(&mut block, &stack, &mut out);
            block = Some((pos, pos + line.len()));
        } else {
            block = Some(match block {
                Some((s, _)) => (s, pos + line.len()),
                None => (pos, pos + line.len()),
            });
        }
        i += 1;
    }
    flush(&mut block, &stack, &mut out);
    (out, pages)
}

fn set_heading(stack: &mut Vec<(usize, String)>, level: usize, title: String, pages: &mut Vec<String>) {
    while stack.last().is_some_and(|(l, _)| *l >= level) {
        stack.pop();
    }
    if !title.is_empty() {
        if level == 1 {
            pages.push(title.clone());
        }
        stack.push((level, title));
    }
}

/// Abbreviations after which a period does not end a sentence.
const ABBREVIATIONS: [&str; 24] = [
    "e.g", "i.e", "etc", "inc", "ltd", "llc", "co", "corp", "no", "u.s", "u.k", "e.u", "vs", "mr", "ms", "dr", "st",
    "art", "sec", "para", "cf", "approx", "incl", "s.a",
];

fn sentences(md: &str, start: usize, end: usize, section: &[String], out: &mut Vec<Clause>) {
    let block = &md[start..end];
    let bytes = block.as_bytes();
    let mut s = 0;
    let push = |a: usize, b: usize, out: &mut Vec<Clause>| {
        let raw = &block[a..b];
        let lead = raw.len() - raw.trim_start().len();
        let t = raw.trim();
        if t.chars().any(|c| c.is_alphanumeric()) {
            out.push(Clause {
                section: section.to_vec(),
                start: start + a + lead,
                end: start + a + lead + t.len(),
                text: t.to_string(),
            });
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        // A sentence may end inside a quotation or a bracket: `called “remove, reduce, and
        // inform.” This strategy`, `(see Section 3.) Then`. The cut comes after the closers.
        let after = if matches!(c, b'.' | b'?' | b'!' | b';') {
            // So may the text of a link: `[our policy.](https://…) Next`.
            let past_link = i + 1 + link_target_at(&block[i + 1..]);
            past_link + closers_at(&block[past_link..])
        } else {
            i + 1
        };
        let boundary = matches!(c, b'.' | b'?' | b'!' | b';')
            && bytes.get(after).is_some_and(|n| n.is_ascii_whitespace())
            && next_starts_sentence(&block[after..])
            && !(c == b'.' && ends_with_abbreviation(&block[s..i]));
        if boundary || i - s >= MAX_CLAUSE_BYTES {
            let mut cut = if boundary { after } else { i + 1 };
            while !block.is_char_boundary(cut) {
                cut += 1;
            }
            push(s, cut, out);
            s = cut;
            i = cut;
            continue;
        }
        i += 1;
    }
    if s < bytes.len() {
        push(s, bytes.len(), out);
    }
}

/// Longest link target read past a sentence end (`](…)`); a longer one is not taken for a link.
const MAX_LINK_TARGET_BYTES: usize = 2048;

/// The length in bytes of a link's closing `](target)` at the start of `rest` (0 if there is
/// none): the target runs to the first `)` with no whitespace on the way.
fn link_target_at(rest: &str) -> usize {
    let Some(target) = rest.strip_prefix("](") else { return 0 };
    let end = target
        .char_indices()
        .take_while(|(j, _)| *j < MAX_LINK_TARGET_BYTES)
        .find(|(_, c)| *c == ')' || c.is_whitespace());
    match end {
        Some((j, ')')) => 2 + j + 1,
        _ => 0,
    }
}

/// The length in bytes of the closing quotes and brackets at the start of `rest` (at most three).
fn closers_at(rest: &str) -> usize {
    rest.chars().take(3).take_while(|c| matches!(c, '"' | '\'' | '”' | '’' | '»' | ')' | ']')).map(char::len_utf8).sum()
}

fn next_starts_sentence(rest: &str) -> bool {
    let t = rest.trim_start_matches([' ', '\t', '\n', '*', '_', '"', '\u{201C}', '(', '[']);
    t.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

fn ends_with_abbreviation(before: &str) -> bool {
    let word = before.rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("").to_lowercase();
    // A single capital letter ("J. Smith", "U.S.") is an initial, not a sentence end.
    ABBREVIATIONS.contains(&word.as_str()) || (word.len() == 1 && word.chars().all(|c| c.is_alphabetic()))
}

/// Where an anchored quote stands in a new version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reanchor {
    /// The same quote (canonically), possibly moved.
    Found { clause: usize, moved: bool },
    /// A clause close enough to be the same provision, reworded.
    Edited { clause: usize, similarity: f64 },
    /// Nothing in the new version matches closely enough: flag it.
    Lost,
}

/// Similarity of two quotes (0–1): Dice over words (60 %) and word bigrams (40 %) of the
/// canonical texts, so a reworded number or an inserted word keeps most of the score.
pub fn similarity(a: &str, b: &str) -> f64 {
    similarity_of(&Grams::of(a), &Grams::of(b))
}

/// A quote's sorted words and word bigrams (canonical), computed once per clause.
pub struct Grams {
    words: Vec<String>,
    bigrams: Vec<String>,
}

impl Grams {
    pub fn of(quote: &str) -> Grams {
        Grams::of_canonical(&text::canonical(quote))
    }

    /// From a quote's canonical text (`text::canonical`), when the caller already has it.
    pub fn of_canonical(c: &str) -> Grams {
        let t: Vec<&str> = c.split(' ').filter(|x| !x.is_empty()).collect();
        let mut words: Vec<String> = t.iter().map(|w| w.to_string()).collect();
        let mut bigrams: Vec<String> = t.windows(2).map(|w| format!("{} {}", w[0], w[1])).collect();
        words.sort_unstable();
        bigrams.sort_unstable();
        Grams { words, bigrams }
    }
}

fn similarity_of(a: &Grams, b: &Grams) -> f64 {
    if a.words.is_empty() && b.words.is_empty() {
        return 1.0;
    }
    0.6 * dice(&a.words, &b.words) + 0.4 * dice(&a.bigrams, &b.bigrams)
}

fn dice(x: &[String], y: &[String]) -> f64 {
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    2.0 * common as f64 / (x.len() + y.len()) as f64
}

/// A new version's clauses prepared for re-anchoring many quotes: hashes and n-grams are
/// computed once, not once per quote.
pub struct AnchorIndex<'a> {
    clauses: &'a [Clause],
    hashes: Vec<String>,
    grams: Vec<Grams>,
}

impl<'a> AnchorIndex<'a> {
    pub fn new(clauses: &'a [Clause]) -> AnchorIndex<'a> {
        let canonical: Vec<String> = clauses.iter().map(|c| text::canonical(&c.text)).collect();
        AnchorIndex::with_canonical(clauses, &canonical)
    }

    /// With each clause's canonical text already computed (`canonical[i]` of `clauses[i]`).
    pub fn with_canonical(clauses: &'a [Clause], canonical: &[String]) -> AnchorIndex<'a> {
        AnchorIndex {
            clauses,
            hashes: clauses.iter().map(|c| quote_hash(&c.text)).collect(),
            grams: canonical.iter().map(|c| Grams::of_canonical(c)).collect(),
        }
    }

    /// Finds an anchored quote: exact hash first (same section preferred), then the most
    /// similar clause if its similarity reaches `min_similarity`.
    pub fn find(&self, anchor: &Anchor, quote: &str, min_similarity: f64) -> Reanchor {
        let exact: Vec<usize> = (0..self.clauses.len()).filter(|&i| self.hashes[i] == anchor.quote_hash).collect();
        if let Some(&i) = exact.iter().find(|&&i| self.clauses[i].section == anchor.section).or(exact.first()) {
            return Reanchor::Found { clause: i, moved: self.clauses[i].section != anchor.section };
        }
        let q = Grams::of(quote);
        let mut best: Option<(usize, f64)> = None;
        for (i, c) in self.clauses.iter().enumerate() {
            let mut s = similarity_of(&q, &self.grams[i]);
            if c.section == anchor.section {
                s += 0.02; // prefer the same section on near ties
            }
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((i, s));
            }
        }
        match best {
            Some((i, s)) if s >= min_similarity => Reanchor::Edited { clause: i, similarity: s.min(1.0) },
            _ => Reanchor::Lost,
        }
    }
}

/// Finds one anchored quote in a new version's clauses (see `AnchorIndex` for many).
pub fn reanchor(anchor: &Anchor, quote: &str, new: &[Clause], min_similarity: f64) -> Reanchor {
    AnchorIndex::new(new).find(anchor, quote, min_similarity)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Terms\n\nIntro text. Second sentence e.g. with an abbreviation.\n\n## 1. Fees\n\nFees are $10.50 per month. Refunds within 14 days!\n\n- First item; Second part\n- Other item\n\nSetext\n------\n\nUnder setext. See U.S. law.\n";

    /// The clauses of `md`, checked against `expected` texts and against their own offsets.
    fn clauses_are(md: &str, expected: &[&str]) -> Vec<Clause> {
        let c = clauses(md);
        let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, expected);
        for cl in &c {
            assert_eq!(&md[cl.start..cl.end], cl.text);
        }
        c
    }

    #[test]
    fn sections_sentences_and_offsets() {
        let c = clauses_are(
            DOC,
            &[
                "Intro text.",
                "Second sentence e.g. with an abbreviation.",
                "Fees are $10.50 per month.",
                "Refunds within 14 days!",
                "- First item;",
                "Second part",
                "- Other item",
                "Under setext.",
                "See U.S. law.",
            ],
        );
        assert_eq!(c[2].section, vec!["Terms".to_string(), "1. Fees".to_string()]);
        assert_eq!(c[7].section, vec!["Terms".to_string(), "Setext".to_string()]);
    }

    #[test]
    fn a_sentence_ends_inside_a_quotation_or_a_bracket() {
        let md = "# T\n\nIt is called “remove, reduce, and inform.” This strategy removes content. We say \"no.\" Then (see Section 3.) Next one. A “quote” stays inside.\n";
        clauses_are(
            md,
            &[
                "It is called “remove, reduce, and inform.”",
                "This strategy removes content.",
                "We say \"no.\"",
                "Then (see Section 3.)",
                "Next one.",
                "A “quote” stays inside.",
            ],
        );
    }

    #[test]
    fn a_sentence_ends_inside_the_text_of_a_link() {
        let md = "# T\n\nRead [our privacy policy.](https://x.test/privacy) Next we explain fees. See [the rules](https://x.test/r). Then more. An [open link.](no end\n";
        clauses_are(
            md,
            &[
                "Read [our privacy policy.](https://x.test/privacy)",
                "Next we explain fees.",
                "See [the rules](https://x.test/r).",
                "Then more.",
                "An [open link.](no end",
            ],
        );
        // A link whose target never closes within the limit does not hide a sentence end.
        let long = format!("# T\n\nGo [there.](https://x.test/{}) Next.\n", "é".repeat(1100));
        assert_eq!(clauses(&long).len(), 1);
    }

    #[test]
    fn reanchoring_survives_edits_and_flags_losses() {
        let old = clauses(DOC);
        let moved = DOC.replace("## 1. Fees", "## 2. Payment");
        let edited = moved.replace("Refunds within 14 days!", "Refunds are available within 30 days!");
        let new = clauses(&edited);
        let fee = &old[2];
        assert_eq!(reanchor(&fee.anchor(), &fee.text, &new, 0.5), Reanchor::Found { clause: 2, moved: true });
        let refund = &old[3];
        match reanchor(&refund.anchor(), &refund.text, &new, 0.3) {
            Reanchor::Edited { clause, .. } => assert_eq!(new[clause].text, "Refunds are available within 30 days!"),
            other => panic!("{other:?}"),
        }
        let gone = clauses("# Other\n\nNothing alike here at all.\n");
        assert_eq!(reanchor(&refund.anchor(), &refund.text, &gone, 0.5), Reanchor::Lost);
    }

    #[test]
    fn hostile_markdown_is_bounded() {
        let long = "a".repeat(20_000);
        let c = clauses(&long);
        assert!(c.iter().all(|c| c.text.len() <= MAX_CLAUSE_BYTES + 4));
        for s in ["#", "######## x", "\n\n\n", "é. É. é", "---\n---", "1. ", "|"] {
            let _ = clauses(s);
        }
    }
}
