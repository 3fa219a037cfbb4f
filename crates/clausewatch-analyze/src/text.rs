//! One normalisation for everything that reads clause text: rules, the linear model and the
//! training data. UNFAIR-ToS sentences are lower-cased and tokenised ("ca n't", "`` site ''"),
//! real documents are not; both go through `fold` then `tokens`, so they look alike.

use unicode_normalization::UnicodeNormalization;

/// Lower-cased, NFKC, Markdown markers and link targets removed, quotes and dashes made plain,
/// contractions spelled out ("can't" and "ca n't" both become "ca not"), whitespace collapsed.
pub fn fold(text: &str) -> String {
    let plain = strip_markdown(text);
    let mut out = String::with_capacity(plain.len());
    let mut last_space = true;
    for c in nfkc_mostly_ascii(&plain).chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '`' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    let out = out.trim_end().to_string();
    spell_out_negations(&out)
}

/// NFKC, but only over the non-ASCII runs (each with the character before it, which a
/// combining mark may compose with): NFKC leaves ASCII as it is, and legal text is mostly ASCII.
fn nfkc_mostly_ascii(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        // The ASCII run up to the next non-ASCII byte, minus its last character.
        let run_end = bytes[i..].iter().position(|b| !b.is_ascii()).map_or(bytes.len(), |p| i + p);
        if run_end == bytes.len() {
            out.push_str(&text[i..]);
            break;
        }
        let start = if run_end > i { run_end - 1 } else { run_end };
        out.push_str(&text[i..start]);
        // The non-ASCII run, then normalise it with the character before it.
        let mut end = run_end;
        while end < bytes.len() && !bytes[end].is_ascii() {
            end += 1;
        }
        out.extend(text[start..end].nfkc());
        i = end;
    }
    std::borrow::Cow::Owned(out)
}

/// `n't` → ` not`, with or without the tokeniser's space before it.
fn spell_out_negations(s: &str) -> String {
    if !s.contains("n't") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(i) = rest.find("n't") {
        let before = &rest[..i];
        let after = &rest[i + 3..];
        if after.chars().next().is_none_or(|c| !c.is_alphanumeric()) {
            out.push_str(before.trim_end());
            out.push_str(" not");
        } else {
            out.push_str(&rest[..i + 3]);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Removes what Markdown adds around words: emphasis markers, heading hashes, list bullets,
/// table pipes, link and image targets (the link text stays).
pub fn strip_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'*' | b'_' | b'#' | b'|' | b'>' | b'\\' => {
                out.push(' ');
                i += 1;
            }
            b']' if bytes.get(i + 1) == Some(&b'(') => {
                // Skip "(target)" after a link text. A target may hold balanced parentheses
                // ("…/Mandate%20(HD)/…"), as CommonMark allows; failing a balanced close on
                // the line, the first `)` ends it.
                match link_target_end(&bytes[i + 2..]).or_else(|| text[i + 2..].find(')')) {
                    Some(end) => i = i + 2 + end + 1,
                    None => i += 1,
                }
                out.push(' ');
            }
            b'[' | b']' => {
                out.push(' ');
                i += 1;
            }
            b'!' if bytes.get(i + 1) == Some(&b'[') => {
                out.push(' ');
                i += 1;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// Offset of the `)` that closes a link target starting at `target` (just after its `(`),
/// counting nested parentheses, within one line.
pub(crate) fn link_target_end(target: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    for (j, &b) in target.iter().enumerate() {
        match b {
            b'\n' => return None,
            b'(' => depth += 1,
            b')' if depth == 0 => return Some(j),
            b')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Word tokens of folded text: runs of letters and digits. Punctuation separates and is
/// dropped, so "9gag, inc" and "9gag , inc" give the same tokens.
pub fn tokens(folded: &str) -> Vec<&str> {
    folded.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect()
}

/// Folded text reduced to its tokens joined by single spaces: what rule patterns match.
pub fn canonical(text: &str) -> String {
    tokens(&fold(text)).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_and_tokenised_text_fold_alike() {
        let real = "By using the Services, you agree that 9GAG, Inc. can't be \u{201C}liable\u{201D}.";
        let tokenised = "by using the services , you agree that 9gag , inc . ca n't be `` liable '' .";
        assert_eq!(canonical(real), canonical(tokenised));
        assert_eq!(canonical(real), "by using the services you agree that 9gag inc ca not be liable");
    }

    #[test]
    fn markdown_markers_and_link_targets_go() {
        assert_eq!(
            canonical("## 4. **Fees** see [our policy](https://x.test/a_(b)) and *more*"),
            "4 fees see our policy and more"
        );
        assert_eq!(canonical("snake_case splits"), "snake case splits");
        // A target with parentheses inside goes whole: none of its path is read as words.
        assert_eq!(
            canonical("Part of the [Match Group](d:/Docs/Mandate%20(HD)/0655-17%20Advice/NOLINKYET)."),
            "part of the match group"
        );
        // An unclosed parenthesis in a target ends at the first `)`, as before.
        assert_eq!(canonical("[a](https://x.test/(b) c"), "a c");
    }

    #[test]
    fn partial_normalisation_equals_nfkc() {
        for t in [
            "plain ascii only",
            "café e\u{301}tude ﬁle ＦＵＬＬ “quoted” – dash",
            "\u{301}leading mark, then a\u{308}\u{301} stacked",
            "ﬀ①²㎏ Ⅻ",
            "end with é",
            "é",
            "",
            "a\u{0}b\u{7f}",
        ] {
            assert_eq!(nfkc_mostly_ascii(t), t.nfkc().collect::<String>(), "{t:?}");
        }
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for s in ["](", "[", "n't", "é'n't", "\u{0}", "]]((", "![", "_"] {
            let _ = canonical(s);
        }
    }
}
