//! PDF -> text. The PDF parser is third-party code fed hostile bytes: it runs under
//! `catch_unwind`, and its output is bounded and reshaped into paragraphs.

use crate::ExtractError;

/// Largest text kept from one PDF (a decompression bomb must not fill memory downstream).
const MAX_PDF_TEXT: usize = 16 * 1024 * 1024;

pub fn pdf_to_markdown(bytes: &[u8]) -> Result<String, ExtractError> {
    let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes));
    let pages = match result {
        Ok(Ok(pages)) => pages,
        Ok(Err(e)) => return Err(ExtractError::Pdf(e.to_string())),
        Err(_) => return Err(ExtractError::Pdf("the PDF parser failed on malformed input".into())),
    };
    let mut out = String::new();
    for page in pages {
        let text = paragraphs(&page);
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&text);
        if out.len() > MAX_PDF_TEXT {
            return Err(ExtractError::TooLarge { limit: MAX_PDF_TEXT });
        }
    }
    if out.trim().is_empty() {
        return Err(ExtractError::PdfNoText);
    }
    Ok(out)
}

/// Lines joined into paragraphs; a blank line ends a paragraph.
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
