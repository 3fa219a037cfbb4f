//! The normal form a version's text is compared and hashed in. It changes layout only, never
//! characters of the text: line endings, trailing spaces, runs of blank lines. Invisible
//! characters (zero-width space, word joiner, soft hyphen) are kept: they are part of the text
//! the platform published, and Open Terms Archive keeps them too.

/// Normalise extracted Markdown.
pub fn normalize_markdown(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut blank_run = 0usize;
    for line in md.split('\n') {
        let line = line.trim_end_matches(['\r', ' ', '\t']);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_only() {
        assert_eq!(normalize_markdown("a  \r\nb\n\n\n\nc\u{2060}d  "), "a\nb\n\nc\u{2060}d\n");
        assert_eq!(normalize_markdown("\n\n"), "");
    }
}
