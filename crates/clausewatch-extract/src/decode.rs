//! Bytes -> text: media type sniffing and charset detection (BOM, Content-Type header, `<meta>`
//! prescan, UTF-8 validity, then statistical sniffing).

use encoding_rs::Encoding;

/// What a body is, decided from its bytes first and its declared type second, because servers
/// mislabel (a PDF served as text/html, HTML served as application/octet-stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Html,
    Pdf,
    PlainText,
}

pub fn sniff_media(bytes: &[u8], content_type: Option<&str>) -> MediaKind {
    let head = &bytes[..bytes.len().min(1024)];
    if find(head, b"%PDF-").is_some() {
        return MediaKind::Pdf;
    }
    let declared = content_type.map(|c| c.to_ascii_lowercase()).unwrap_or_default();
    if declared.starts_with("text/plain") && !looks_like_html(head) {
        return MediaKind::PlainText;
    }
    if declared.contains("html") || declared.contains("xml") || looks_like_html(head) {
        return MediaKind::Html;
    }
    if declared.starts_with("text/") {
        return MediaKind::PlainText;
    }
    MediaKind::Html
}

fn looks_like_html(head: &[u8]) -> bool {
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    [&b"<!doctype"[..], b"<html", b"<head", b"<body", b"<div", b"<p>", b"<p ", b"<main", b"<h1"]
        .iter()
        .any(|m| find(&lower, m).is_some())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The charset a `Content-Type` value names, if any.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("charset") {
            Encoding::for_label(v.trim().trim_matches(['"', '\'']).as_bytes())
        } else {
            None
        }
    })
}

/// Decode a body to text (borrowed when it is already valid UTF-8). Returns the text and the
/// encoding used.
pub fn decode<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
    kind: MediaKind,
) -> (std::borrow::Cow<'a, str>, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text, enc);
    }
    let declared = content_type.and_then(charset_from_content_type);
    let meta = if kind == MediaKind::Html { prescan_meta(bytes) } else { None };
    // A declared UTF-8 that does not validate is a lie more often than the bytes are broken:
    // fall through to sniffing. Other declarations are trusted as browsers do.
    let chosen = match declared.or(meta) {
        Some(enc) if enc == encoding_rs::UTF_8 => {
            if std::str::from_utf8(bytes).is_ok() {
                Some(enc)
            } else {
                None
            }
        }
        // UTF-16 named in a meta tag cannot be right (the prescan read it as ASCII).
        Some(enc) if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE => Some(encoding_rs::UTF_8),
        other => other,
    };
    let enc = chosen.unwrap_or_else(|| {
        if std::str::from_utf8(bytes).is_ok() {
            encoding_rs::UTF_8
        } else {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(&bytes[..bytes.len().min(64 * 1024)], bytes.len() <= 64 * 1024);
            det.guess(None, chardetng::Utf8Detection::Allow)
        }
    });
    if enc == encoding_rs::UTF_8 {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return (std::borrow::Cow::Borrowed(text), enc);
        }
    }
    let (text, _, _) = enc.decode(bytes);
    (text, enc)
}

/// A bounded look at the first 4 KiB for `<meta charset>` or `http-equiv` content type.
fn prescan_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = lower[start..].iter().position(|&b| b == b'>').map(|e| start + e).unwrap_or(lower.len());
        let tag = &lower[start..end];
        if let Some(cs) = find(tag, b"charset") {
            let rest = &tag[cs + 7..];
            let rest = rest.iter().skip_while(|b| b.is_ascii_whitespace() || **b == b'=').copied();
            let label: Vec<u8> = rest
                .skip_while(|b| *b == b'"' || *b == b'\'')
                .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\'' | b';' | b'/' | b'>'))
                .collect();
            if let Some(enc) = Encoding::for_label(&label) {
                return Some(enc);
            }
        }
        from = end.max(start + 5);
        if from >= lower.len() {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_meta_and_sniffing() {
        let latin1 = b"<html><body><p>Conditions g\xe9n\xe9rales</p></body></html>";
        let (t, _) = decode(latin1, Some("text/html; charset=ISO-8859-1"), MediaKind::Html);
        assert!(t.contains("générales"));
        let meta = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>";
        let (t, enc) = decode(meta, Some("text/html"), MediaKind::Html);
        assert_eq!(enc, encoding_rs::WINDOWS_1252);
        assert!(t.contains("café"));
        // Declared UTF-8 that is not: sniffed instead of mangled.
        let (t, _) = decode(latin1, Some("text/html; charset=utf-8"), MediaKind::Html);
        assert!(t.contains("générales"), "{t}");
        let (t, _) = decode("déjà vu".as_bytes(), None, MediaKind::PlainText);
        assert_eq!(t, "déjà vu");
    }

    #[test]
    fn sniffs_pdf_despite_label() {
        assert_eq!(sniff_media(b"%PDF-1.7\n...", Some("text/html")), MediaKind::Pdf);
        assert_eq!(sniff_media(b"<!DOCTYPE html><html>", Some("application/octet-stream")), MediaKind::Html);
        assert_eq!(sniff_media(b"plain terms", Some("text/plain")), MediaKind::PlainText);
    }
}
