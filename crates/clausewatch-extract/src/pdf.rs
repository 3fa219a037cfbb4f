//! PDF -> Markdown. The PDF parser is third-party code fed hostile bytes: it runs under
//! `catch_unwind`, and its output is bounded and reshaped into paragraphs, with the lines that
//! are headings (numbered titles such as "4. Payment" or "Article 12 – Liability", and short
//! all-capital titles) marked as Markdown headings so that diffs and findings have sections.
//! Page breaks are not written into the text (a reflow would otherwise look like a change): they
//! come beside it, as the line at which each page starts (see [`crate::PageStart`]).

use crate::ExtractError;

/// Largest text kept from one PDF (a decompression bomb must not fill memory downstream).
const MAX_PDF_TEXT: usize = 16 * 1024 * 1024;

/// Most bytes the streams of one PDF may inflate to. The parser inflates every stream in memory,
/// so a decompression bomb (a few kilobytes that inflate to gigabytes) is refused before it runs.
pub const MAX_PDF_INFLATED: u64 = 256 * 1024 * 1024;

/// Inflate every Flate stream of the file into nothing, counting, and stop past the limit.
fn check_inflated_size(bytes: &[u8], limit: u64) -> Result<(), ExtractError> {
    use std::io::Read;
    let mut total = 0u64;
    let mut at = 0usize;
    while let Some(p) = memchr::memmem::find(&bytes[at..], b"stream") {
        let start = at + p + b"stream".len();
        at = start;
        // `endstream` also contains `stream`: only a keyword followed by a line break opens one.
        let data_start = if bytes[start..].starts_with(b"\r\n") {
            start + 2
        } else if bytes[start..].starts_with(b"\n") {
            start + 1
        } else {
            continue;
        };
        let end = memchr::memmem::find(&bytes[data_start..], b"endstream").map_or(bytes.len(), |e| data_start + e);
        let mut decoder = flate2::read::ZlibDecoder::new(&bytes[data_start..end]).take(limit - total + 1);
        let inflated = std::io::copy(&mut decoder, &mut std::io::sink()).unwrap_or(0);
        total += inflated;
        if total > limit {
            return Err(ExtractError::TooLarge { limit: limit as usize });
        }
        at = end;
    }
    Ok(())
}

pub fn pdf_to_markdown(bytes: &[u8]) -> Result<String, ExtractError> {
    pdf_to_paged_markdown(bytes).map(|(md, _)| md)
}

/// The Markdown of a PDF and where its pages start: (page number from 1, index of the page's
/// first non-blank line in the Markdown). Pages without text have no entry.
pub fn pdf_to_paged_markdown(bytes: &[u8]) -> Result<(String, Vec<(u32, usize)>), ExtractError> {
    check_inflated_size(bytes, MAX_PDF_INFLATED)?;
    let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes));
    let pages = match result {
        Ok(Ok(pages)) => pages,
        Ok(Err(e)) => return Err(ExtractError::Pdf(e.to_string())),
        Err(_) => return Err(ExtractError::Pdf("the PDF parser failed on malformed input".into())),
    };
    let mut out = String::new();
    let mut starts = Vec::new();
    let mut lines = 0usize;
    for (n, page) in pages.iter().enumerate() {
        let text = paragraphs(page);
        if text.is_empty() {
            continue;
        }
        let page_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        // A sentence running on over a page break stays one paragraph, so that the same text
        // broken over pages differently reads the same; the page then starts inside that line.
        let runs_on = out.trim_end().ends_with(|c: char| c.is_alphanumeric() || matches!(c, ',' | '-' | '('))
            && !out.lines().last().is_some_and(|l| l.starts_with('#'))
            && text.starts_with(|c: char| c.is_lowercase());
        if runs_on {
            out.push(' ');
            starts.push((page_no, lines.saturating_sub(1)));
            lines += text.lines().filter(|l| !l.trim().is_empty()).count().saturating_sub(1);
        } else {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            starts.push((page_no, lines));
            lines += text.lines().filter(|l| !l.trim().is_empty()).count();
        }
        out.push_str(&text);
        if out.len() > MAX_PDF_TEXT {
            return Err(ExtractError::TooLarge { limit: MAX_PDF_TEXT });
        }
    }
    if out.trim().is_empty() {
        return Err(ExtractError::PdfNoText);
    }
    Ok((out, starts))
}

/// Whether a line of a PDF is a heading: short, no closing punctuation, and either numbered
/// ("4.", "4.2", "IV.", "Article 12", "Section 3") with a capitalised title of a few words, or
/// entirely in capitals.
pub fn is_heading(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || words.len() > 10 || line.len() > 90 {
        return false;
    }
    if line.ends_with(['.', ',', ';', ':']) && !line.ends_with("..") {
        // "4." alone is a number, not a heading; a sentence ends with a full stop.
        return false;
    }
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 3 {
        return false;
    }
    let first = words[0].trim_end_matches(['.', ')']);
    let numbered = !first.is_empty()
        && (first.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            || (first.len() <= 4
                && first.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
                && words[0].ends_with('.'))
            || ["article", "section", "chapter", "part", "annex", "schedule", "appendix"]
                .contains(&first.to_lowercase().as_str()));
    let rest: Vec<&&str> = words.iter().skip(1).collect();
    let title_cased = rest
        .iter()
        .find(|w| w.chars().next().is_some_and(char::is_alphabetic))
        .is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
    if numbered && words.len() >= 2 && words.len() <= 8 && title_cased {
        return true;
    }
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    words.len() >= 2 && upper == letters.len()
}

/// Lines joined into paragraphs; a blank line ends a paragraph; a heading line stands alone.
fn paragraphs(page: &str) -> String {
    let mut paras: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in page.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            if !current.is_empty() {
                paras.push(std::mem::take(&mut current));
            }
            continue;
        }
        if is_heading(&line) {
            if !current.is_empty() {
                paras.push(std::mem::take(&mut current));
            }
            paras.push(format!("## {}", crate::markdown::escape(&line)));
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&line);
    }
    if !current.is_empty() {
        paras.push(current);
    }
    paras.join("\n\n")
}

/// A minimal PDF with one page per entry, each line of a page drawn below the previous one
/// (Helvetica, no compression): for tests and examples.
pub fn text_pdf(pages: &[&[&str]]) -> Vec<u8> {
    let n = pages.len();
    // Objects: 1 catalog, 2 pages, 3 font, then (page, contents) pairs.
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n} >>",
            (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect::<Vec<_>>().join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    for (i, lines) in pages.iter().enumerate() {
        let mut stream = String::from("BT /F1 12 Tf 72 720 Td 14 TL");
        for l in lines.iter() {
            stream.push_str(&format!(" ({l}) Tj T*"));
        }
        stream.push_str(" ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
            5 + 2 * i
        ));
        objects.push(format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompression_bombs_are_refused_before_parsing() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            z.write_all(&zeros).unwrap();
        }
        let bomb = z.finish().unwrap();
        assert!(bomb.len() < 2 << 20, "{}", bomb.len());
        let mut pdf = b"%PDF-1.4\n1 0 obj << /Length 0 /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend_from_slice(&bomb);
        pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        let started = std::time::Instant::now();
        assert!(matches!(pdf_to_markdown(&pdf), Err(ExtractError::TooLarge { .. })));
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        // Small streams pass the check.
        assert!(check_inflated_size(&pdf[..200], MAX_PDF_INFLATED).is_ok());
    }

    #[test]
    fn headings_are_found_and_clauses_are_not() {
        for h in [
            "4. Payment Terms",
            "4.2 Refunds",
            "IV. Liability",
            "Article 12 Liability",
            "GOVERNING LAW",
            "Section 3 Your Account",
        ] {
            assert!(is_heading(h), "{h}");
        }
        for not in [
            "4.2 We may refund purchases made within fourteen days of the order.",
            "THE SERVICES ARE PROVIDED AS IS, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING",
            "12",
            "4. we may",
            "and the Company.",
            "OK",
        ] {
            assert!(!is_heading(not), "{not}");
        }
        assert_eq!(
            paragraphs("1. Scope\nThese terms apply to\nall users.\n\nGOVERNING LAW\nIrish law applies."),
            "## 1\\. Scope\n\nThese terms apply to all users.\n\n## GOVERNING LAW\n\nIrish law applies."
        );
    }

    #[test]
    fn pages_are_kept_beside_the_text_and_a_reflow_is_not_a_change() {
        let pdf = text_pdf(&[
            &["1. Scope", "These terms apply to every user of the service."],
            &["2. Refunds", "Refunds are possible within 14 days."],
            &["3. Law", "Irish law applies."],
        ]);
        let (md, starts) = pdf_to_paged_markdown(&pdf).unwrap();
        assert!(md.contains("## 2\\. Refunds"), "{md}");
        let lines: Vec<&str> = md.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(starts.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1, 2, 3], "{md}");
        assert!(lines[starts[1].1].contains("Refunds"), "{md}");
        assert!(lines[starts[2].1].contains("Law"), "{md}");
        // The same text broken over pages differently: same Markdown, other page starts.
        let reflowed = text_pdf(&[
            &["1. Scope", "These terms apply to every user of the service.", "2. Refunds"],
            &["Refunds are possible within 14 days.", "3. Law", "Irish law applies."],
        ]);
        let (md2, starts2) = pdf_to_paged_markdown(&reflowed).unwrap();
        assert_eq!(md, md2);
        assert_eq!(starts2.len(), 2);
        // A sentence broken by the page end is one paragraph, on the page it starts on.
        let split = text_pdf(&[
            &["1. Scope", "These terms apply to every user"],
            &["of the service.", "2. Refunds", "Refunds are possible within 14 days.", "3. Law", "Irish law applies."],
        ]);
        let (md3, starts3) = pdf_to_paged_markdown(&split).unwrap();
        assert_eq!(md, md3);
        let lines: Vec<&str> = md3.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(lines[starts3[1].1].contains("These terms apply"), "{starts3:?}");
    }
}
