//! Redlines of a [`DocumentDiff`] as plain text, Markdown and HTML. Changed sections only;
//! unchanged sections and paragraphs are folded into counts; moves are shown as moves. In the
//! Markdown and HTML forms all document text is escaped, so a page cannot inject markup.

use std::fmt::Write;

use crate::{DocumentDiff, ParagraphDiff, SectionDiff, SectionOp, WordChange, WordOp};

fn path_title(path: &[String]) -> String {
    if path.is_empty() {
        "(before the first heading)".to_string()
    } else {
        path.join(" › ")
    }
}

/// The path a section is shown under: its new one, or its old one when it was removed.
pub(crate) fn shown_path(s: &SectionDiff) -> &[String] {
    if s.new_path.is_empty() {
        &s.old_path
    } else {
        &s.new_path
    }
}

/// What happened to a section, in words ("section moved from after «X», and changed").
fn section_label(s: &SectionDiff) -> String {
    let changed = s.paragraphs.iter().any(|p| !matches!(p, ParagraphDiff::Equal { .. }));
    let and_changed = if changed { ", and changed" } else { "" };
    match s.op {
        SectionOp::Added => "section added".into(),
        SectionOp::Removed => "section removed".into(),
        SectionOp::Unchanged => "unchanged".into(),
        SectionOp::Changed if s.new_path.is_empty() && !s.old_path.is_empty() => format!(
            "heading «{}» removed; its text now stands before the first heading{and_changed}",
            s.old_path.join(" › ")
        ),
        SectionOp::Changed if s.old_path.is_empty() && !s.new_path.is_empty() => {
            format!("heading added over existing text{and_changed}")
        }
        SectionOp::Changed if s.old_path != s.new_path && !s.old_path.is_empty() => {
            let what = if changed || !only_numbers_differ(&s.old_path, &s.new_path) {
                "section changed"
            } else {
                "section renumbered"
            };
            format!("{what}, was «{}»", s.old_path.join(" › "))
        }
        SectionOp::Changed => "section changed".into(),
        SectionOp::Moved => {
            let from = match &s.moved_from {
                Some(m) if m.after.is_empty() => "from the top".to_string(),
                Some(m) => format!("from after «{}»", m.after.join(" › ")),
                None => String::new(),
            };
            let mut label = format!("section moved {from}").trim_end().to_string();
            if s.old_path != s.new_path {
                let _ = write!(label, ", was «{}»", s.old_path.join(" › "));
            }
            label.push_str(and_changed);
            label
        }
    }
}

/// Two heading paths that differ only in their numbering ("9. Disclaimer" / "10. Disclaimer").
fn only_numbers_differ(a: &[String], b: &[String]) -> bool {
    // A heading's leading number ("9.", "10\\.", "4.2)") and the title after it.
    let split = |h: &str| {
        let h = h.trim();
        let title = h.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '\\' | ')' | ' '));
        (h[..h.len() - title.len()].chars().filter(char::is_ascii_digit).collect::<String>(), title.to_string())
    };
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| split(x).1 == split(y).1)
        && a.iter().zip(b).any(|(x, y)| split(x).0 != split(y).0)
}

fn clip(text: &str, max_chars: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max_chars {
        return one_line;
    }
    let cut: String = one_line.chars().take(max_chars).collect();
    format!("{cut}…")
}

fn unchanged_sections(d: &DocumentDiff) -> usize {
    d.sections.iter().filter(|s| s.op == SectionOp::Unchanged).count()
}

/// Plain text: `+`/`-` paragraphs, `[-old-]{+new+}` inside changed paragraphs, `>` for a
/// paragraph moved here and `<` where it was.
pub fn render_text(d: &DocumentDiff) -> String {
    let mut out = String::new();
    for sec in d.sections.iter().filter(|s| s.op != SectionOp::Unchanged) {
        let _ = writeln!(out, "## {}  [{}]", path_title(shown_path(sec)), section_label(sec));
        for p in &sec.paragraphs {
            match p {
                ParagraphDiff::Equal { count } => {
                    let _ = writeln!(out, "   … {count} unchanged paragraph(s)");
                }
                ParagraphDiff::Added { text } => out.push_str(&prefix_lines("+ ", text)),
                ParagraphDiff::Removed { text } => out.push_str(&prefix_lines("- ", text)),
                ParagraphDiff::Changed { words } => out.push_str(&prefix_lines("~ ", &words_text(words))),
                ParagraphDiff::MovedHere { from, words, .. } if !words.is_empty() => {
                    let _ = writeln!(out, "> moved here from «{}», and reworded:", path_title(from));
                    out.push_str(&prefix_lines("> ", &words_text(words)));
                }
                ParagraphDiff::MovedHere { text, from, .. } => {
                    let _ = writeln!(out, "> moved here from «{}»:", path_title(from));
                    out.push_str(&prefix_lines("> ", text));
                }
                ParagraphDiff::MovedAway { text, to, changed } => {
                    let reworded = if *changed { " and reworded" } else { "" };
                    let _ = writeln!(out, "< moved to «{}»{reworded}: {}", path_title(to), clip(text, 80));
                }
            }
        }
        out.push('\n');
    }
    let unchanged = unchanged_sections(d);
    if unchanged > 0 {
        let _ = writeln!(out, "({unchanged} unchanged section(s) not shown)");
    }
    out
}

/// Word changes as plain text: `[-old-]{+new+}`.
fn words_text(words: &[WordChange]) -> String {
    let mut line = String::new();
    for w in words {
        match w.op {
            WordOp::Equal => line.push_str(&w.text),
            WordOp::Delete => {
                let _ = write!(line, "[-{}-]", w.text);
            }
            WordOp::Insert => {
                let _ = write!(line, "{{+{}+}}", w.text);
            }
        }
    }
    line
}

fn prefix_lines(prefix: &str, text: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}

/// Escapes text for Markdown: every character that could start markup is backslash-escaped and
/// `<`, `>`, `&` become entities (raw HTML is allowed in Markdown).
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '(' | ')' | '#' | '|' | '!' | '+' | '-' | '=' | '.' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Wraps `text` in `mark` (like `~~` or `**`) with its outer whitespace left outside, so the
/// emphasis renders.
fn wrap_md(out: &mut String, text: &str, mark: &str) {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        out.push_str(if text.is_empty() { "" } else { " " });
        return;
    }
    if text.starts_with(char::is_whitespace) {
        out.push(' ');
    }
    let _ = write!(out, "{mark}{}{mark}", escape_markdown(trimmed));
    if text.ends_with(char::is_whitespace) {
        out.push(' ');
    }
}

fn words_md(words: &[WordChange]) -> String {
    let mut out = String::new();
    for w in words {
        match w.op {
            WordOp::Equal => out.push_str(&escape_markdown(&w.text)),
            WordOp::Delete => wrap_md(&mut out, &w.text, "~~"),
            WordOp::Insert => wrap_md(&mut out, &w.text, "**"),
        }
    }
    out
}

/// Markdown: one `###` heading per changed section with what happened to it, deleted text
/// struck through (`~~`), inserted text in bold, unchanged paragraphs folded.
pub fn render_markdown(d: &DocumentDiff) -> String {
    let mut out = String::new();
    for sec in d.sections.iter().filter(|s| s.op != SectionOp::Unchanged) {
        let _ = writeln!(
            out,
            "### {} — *{}*\n",
            escape_markdown(&path_title(shown_path(sec))),
            escape_markdown(&section_label(sec))
        );
        for p in &sec.paragraphs {
            match p {
                ParagraphDiff::Equal { count } => {
                    let _ = writeln!(out, "*… {count} unchanged paragraph(s)*\n");
                }
                ParagraphDiff::Added { text } => {
                    let _ = writeln!(out, "➕ **{}**\n", escape_markdown(text.trim()));
                }
                ParagraphDiff::Removed { text } => {
                    let _ = writeln!(out, "➖ ~~{}~~\n", escape_markdown(text.trim()));
                }
                ParagraphDiff::Changed { words } => {
                    let _ = writeln!(out, "✎ {}\n", words_md(words).trim());
                }
                ParagraphDiff::MovedHere { text, from, words } => {
                    let (how, body) = if words.is_empty() {
                        ("", escape_markdown(text.trim()))
                    } else {
                        (", and reworded", words_md(words).trim().to_string())
                    };
                    let _ =
                        writeln!(out, "↪ *moved here from «{}»{how}:* {body}\n", escape_markdown(&path_title(from)));
                }
                ParagraphDiff::MovedAway { text, to, changed } => {
                    let reworded = if *changed { " and reworded" } else { "" };
                    let _ = writeln!(
                        out,
                        "↩ *moved to «{}»{reworded}:* {}\n",
                        escape_markdown(&path_title(to)),
                        escape_markdown(&clip(text, 80))
                    );
                }
            }
        }
    }
    let unchanged = unchanged_sections(d);
    if unchanged > 0 {
        let _ = writeln!(out, "*{unchanged} unchanged section(s) not shown.*");
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Word changes as HTML: `<del>`/`<ins>`, all text escaped.
fn words_html(words: &[WordChange]) -> String {
    let mut out = String::new();
    for w in words {
        match w.op {
            WordOp::Equal => out.push_str(&escape_html(&w.text)),
            WordOp::Insert => {
                let _ = write!(out, "<ins>{}</ins>", escape_html(&w.text));
            }
            WordOp::Delete => {
                let _ = write!(out, "<del>{}</del>", escape_html(&w.text));
            }
        }
    }
    out
}

/// HTML fragment: a `<section class="redline-…">` per changed section, `<del>`/`<ins>` inside
/// changed paragraphs, moves marked with `class="moved"`. All document text escaped.
pub fn render_html(d: &DocumentDiff) -> String {
    let mut out = String::new();
    for sec in d.sections.iter().filter(|s| s.op != SectionOp::Unchanged) {
        let class = match sec.op {
            SectionOp::Added => "added",
            SectionOp::Removed => "removed",
            SectionOp::Moved => "moved",
            _ => "changed",
        };
        let _ = write!(
            out,
            "<section class=\"redline-{class}\"><h3>{} <small class=meta>{}</small></h3>",
            escape_html(&path_title(shown_path(sec))),
            escape_html(&section_label(sec))
        );
        for p in &sec.paragraphs {
            match p {
                ParagraphDiff::Equal { count } => {
                    let _ = write!(out, "<p class=meta>… {count} unchanged paragraph(s)</p>");
                }
                ParagraphDiff::Added { text } => {
                    let _ = write!(out, "<p><ins>{}</ins></p>", escape_html(text));
                }
                ParagraphDiff::Removed { text } => {
                    let _ = write!(out, "<p><del>{}</del></p>", escape_html(text));
                }
                ParagraphDiff::Changed { words } => {
                    let _ = write!(out, "<p>{}</p>", words_html(words));
                }
                ParagraphDiff::MovedHere { text, from, words } => {
                    let (how, body) =
                        if words.is_empty() { ("", escape_html(text)) } else { (", and reworded", words_html(words)) };
                    let _ = write!(
                        out,
                        "<p class=moved><small class=meta>moved here from «{}»{how}</small><br>{body}</p>",
                        escape_html(&path_title(from)),
                    );
                }
                ParagraphDiff::MovedAway { text, to, changed } => {
                    let reworded = if *changed { " and reworded" } else { "" };
                    let _ = write!(
                        out,
                        "<p class=\"moved meta\">moved to «{}»{reworded}: {}</p>",
                        escape_html(&path_title(to)),
                        escape_html(&clip(text, 80))
                    );
                }
            }
        }
        out.push_str("</section>");
    }
    let unchanged = unchanged_sections(d);
    if unchanged > 0 {
        let _ = write!(out, "<p class=meta>{unchanged} unchanged section(s) not shown.</p>");
    }
    out
}
