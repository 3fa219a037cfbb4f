//! The normal form a version's text is compared and hashed in. It changes layout only, never
//! words: line endings, trailing spaces, runs of blank lines, invisible characters.

/// Normalise extracted Markdown.
pub fn normalize_markdown(md: &str) -> String {
    // The invisible characters all start with one of these UTF-8 lead bytes.
    let may_have_invisible = md.bytes().any(|b| matches!(b, 0xC2 | 0xE2 | 0xEF));
    let mut out = String::with_capacity(md.len());
    let mut blank_run = 0usize;
    for line in md.split('\n') {
        let line = line.trim_end_matches(['\r', ' ', '\t']);
        let cleaned;
        let line = if may_have_invisible && line.contains(is_invisible) {
            cleaned = line.chars().filter(|c| !is_invisible(*c)).collect::<String>();
            cleaned.as_str()
        } else {
            line
        };
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Characters that render as nothing and vary between captures (zero-width space, BOM, soft
/// hyphen).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}' | '\u{2060}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_only() {
        assert_eq!(normalize_markdown("a  \r\nb\n\n\n\nc\u{200B}d  "), "a\nb\n\ncd\n");
        assert_eq!(normalize_markdown("\n\n"), "");
    }
}
