//! How two extractions of the same page are compared (`eval extraction`). The normal form is
//! fixed by the evaluation so the figure means the same for everyone: Unicode NFC; Markdown links
//! reduced to their text (targets compared separately); emphasis, heading, list markers, table
//! pipes and backslash escapes removed; whitespace runs collapsed to one space. Similarity is
//! 1 - word-level Levenshtein distance / the longer word count.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

/// A text in comparison form, with the link targets found in it (in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparable {
    pub text: String,
    pub links: Vec<String>,
}

pub fn comparable(markdown: &str) -> Comparable {
    let nfc: String = markdown.nfc().collect();
    let (unlinked, links) = strip_links(&nfc);
    let mut lines = String::with_capacity(unlinked.len());
    for line in unlinked.lines() {
        if is_rule_line(line) {
            lines.push('\n');
            continue;
        }
        let line = strip_line_markers(line);
        lines.push_str(line);
        lines.push('\n');
    }
    let mut text = String::with_capacity(lines.len());
    let mut chars = lines.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        let c = match c {
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => chars.next().unwrap_or(' '),
            c => c,
        };
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        // An escaped marker is text, but emphasis markers are dropped on both sides alike, so
        // an escaped `*` is dropped too: the comparison stays symmetric.
        if matches!(c, '*' | '_' | '|') {
            continue;
        }
        if pending_space && !text.is_empty() {
            text.push(' ');
        }
        pending_space = false;
        text.push(c);
    }
    Comparable { text, links }
}

/// Replace `[text](target)` and `![alt](src)` by their text; return the targets.
fn strip_links(s: &str) -> (String, Vec<String>) {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut links = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] != b'[' {
            i += 1;
            continue;
        }
        let Some(close) = matching(bytes, i, b'[', b']') else {
            i += 1;
            continue;
        };
        if bytes.get(close + 1) != Some(&b'(') {
            i += 1;
            continue;
        }
        let Some(paren) = matching(bytes, close + 1, b'(', b')') else {
            i += 1;
            continue;
        };
        let start = if i > 0 && bytes[i - 1] == b'!' && i > copied { i - 1 } else { i };
        out.push_str(&s[copied..start]);
        // The link text may hold links itself (an image inside a link).
        let (inner, mut inner_links) = strip_links(&s[i + 1..close]);
        out.push_str(&inner);
        links.append(&mut inner_links);
        let target = s[close + 2..paren].trim();
        let target = target.split_whitespace().next().unwrap_or("");
        links.push(target.trim_start_matches('<').trim_end_matches('>').to_string());
        i = paren + 1;
        copied = i;
    }
    out.push_str(&s[copied..]);
    (out, links)
}

/// Index of the bracket closing the one at `open`, skipping escapes; None past a line break
/// pair (a paragraph end) or the end.
fn matching(bytes: &[u8], open: usize, left: u8, right: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'\n' if bytes.get(i + 1) == Some(&b'\n') => return None,
            b if b == left => depth += 1,
            b if b == right => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Leading block markers of a line: blockquote-free indentation, `#` headings, `-`/`*`/`+`/`1.`
/// list items (nested ones too).
fn strip_line_markers(line: &str) -> &str {
    let mut rest = line.trim_start();
    let hashes = rest.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) && rest[hashes..].starts_with([' ', '\t']) {
        rest = rest[hashes..].trim_start();
    }
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix(['-', '*', '+']) {
            if after.starts_with([' ', '\t']) {
                rest = after.trim_start();
                continue;
            }
        }
        let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=9).contains(&digits) {
            let after = &trimmed[digits..];
            if let Some(after) = after.strip_prefix(['.', ')']) {
                if after.starts_with([' ', '\t']) {
                    rest = after.trim_start();
                    continue;
                }
            }
        }
        return trimmed;
    }
}

/// Setext underlines, horizontal rules and table separator rows: markers only.
fn is_rule_line(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && t.bytes().all(|b| matches!(b, b'-' | b'=' | b'*' | b'_' | b'|' | b':' | b' ' | b'\t'))
}

/// Word-level comparison of two comparable texts.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub identical: bool,
    pub similarity: f64,
    pub distance: usize,
    pub words_expected: usize,
    pub words_actual: usize,
}

pub fn compare(expected: &str, actual: &str) -> Comparison {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut a = Vec::new();
    for w in expected.split(' ').filter(|w| !w.is_empty()) {
        let next = ids.len() as u32;
        a.push(*ids.entry(w).or_insert(next));
    }
    let mut b = Vec::new();
    for w in actual.split(' ').filter(|w| !w.is_empty()) {
        let next = ids.len() as u32;
        b.push(*ids.entry(w).or_insert(next));
    }
    let distance = levenshtein(&a, &b);
    let longer = a.len().max(b.len());
    let similarity = if longer == 0 { 1.0 } else { 1.0 - distance as f64 / longer as f64 };
    Comparison { identical: expected == actual, similarity, distance, words_expected: a.len(), words_actual: b.len() }
}

/// Exact Levenshtein distance over tokens: common prefix and suffix stripped, then a banded
/// dynamic programme whose band doubles until the distance fits in it (O(n·d)).
pub fn levenshtein(a: &[u32], b: &[u32]) -> usize {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if a.is_empty() {
        return b.len();
    }
    let mut band = (b.len() - a.len()).max(32);
    loop {
        if let Some(d) = banded(a, b, band) {
            return d;
        }
        if band >= b.len() {
            // The band covers everything; banded() cannot fail then.
            return banded(a, b, usize::MAX / 4).unwrap_or(b.len());
        }
        band = (band * 2).min(b.len());
    }
}

/// Distance when it is at most `k`, else None. `a` is the shorter sequence.
fn banded(a: &[u32], b: &[u32], k: usize) -> Option<usize> {
    const FAR: usize = usize::MAX / 2;
    let (n, m) = (a.len(), b.len());
    if m - n > k {
        return None;
    }
    let mut prev = vec![FAR; m + 1];
    let mut cur = vec![FAR; m + 1];
    for (j, p) in prev.iter_mut().enumerate().take(k.min(m) + 1) {
        *p = j;
    }
    for i in 1..=n {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(m);
        cur[lo - 1] = if lo == 1 && i <= k { i } else { FAR };
        let mut row_min = cur[lo - 1];
        for j in lo..=hi {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let del = prev[j].saturating_add(1);
            let ins = cur[j - 1].saturating_add(1);
            let v = sub.min(del).min(ins);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if hi < m {
            cur[hi + 1] = FAR;
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m];
    (d <= k).then_some(d)
}

/// One place where the texts differ: the words before it, and what only one side has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    pub before: String,
    pub missing: String,
    pub extra: String,
}

/// Where two comparable texts differ, with a few words of context (at most `max` places).
pub fn differences(expected: &str, actual: &str, max: usize) -> Vec<Difference> {
    use similar::{Algorithm, DiffOp};
    let a: Vec<&str> = expected.split(' ').collect();
    let b: Vec<&str> = actual.split(' ').collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    let ops = similar::capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    let mut out = Vec::new();
    for op in ops {
        let (old_index, old_len, new_len, new_index) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { old_index, old_len, new_index } => (old_index, old_len, 0, new_index),
            DiffOp::Insert { old_index, new_index, new_len } => (old_index, 0, new_len, new_index),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => (old_index, old_len, new_len, new_index),
        };
        if out.len() == max {
            break;
        }
        out.push(Difference {
            before: a[old_index.saturating_sub(6)..old_index].join(" "),
            missing: a[old_index..old_index + old_len].join(" "),
            extra: b[new_index..new_index + new_len].join(" "),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[u32], b: &[u32]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                cur[j] = (prev[j - 1] + usize::from(a[i - 1] != b[j - 1])).min(prev[j] + 1).min(cur[j - 1] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn banded_levenshtein_is_exact() {
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let n = (next() % 120) as usize;
            let a: Vec<u32> = (0..n).map(|_| (next() % 5) as u32).collect();
            let mut b = a.clone();
            for _ in 0..(next() % 90) {
                let at = if b.is_empty() { 0 } else { (next() as usize) % b.len() };
                match next() % 3 {
                    0 => b.insert(at, (next() % 5) as u32),
                    1 if !b.is_empty() => {
                        b.remove(at);
                    }
                    _ if !b.is_empty() => b[at] = (next() % 5) as u32,
                    _ => {}
                }
            }
            assert_eq!(levenshtein(&a, &b), naive(&a, &b), "{a:?} {b:?}");
        }
    }

    #[test]
    fn normal_form_drops_markup_only() {
        let md = "## Terms\n\n* **Bold** and _it_ [link text](https://x.test/a_(b) \"t\")\n1. item \\- one\n\n| a | b |\n|---|---|\n| c | d |\n\n---\nCafe\u{301}";
        let c = comparable(md);
        assert_eq!(c.text, "Terms Bold and it link text item - one a b c d Café");
        assert_eq!(c.links, vec!["https://x.test/a_(b)"]);
        assert_eq!(comparable("![alt](i.png) x").text, "alt x");
    }

    #[test]
    fn similarity_counts_words() {
        let c = compare("a b c d", "a b x d e");
        assert_eq!(c.distance, 2);
        assert!((c.similarity - 0.6).abs() < 1e-9);
        assert!(compare("", "").identical);
    }
}
