//! Link targets in their stable form. Pages wrap links in things that change on every request
//! without the document changing: redirect shims carrying a per-request signature
//! (`l.php?u=<target>&h=<token>`), redirect paths with a session token
//! (`/redirect/website.v1.<uuid>/settings`), tracking parameters (`utm_*`, `fbclid`, ...), and
//! Cloudflare's e-mail obfuscation (a per-request XOR key), and cache-busting query strings
//! (`logo.png?v=1712345678`, `?cb=…`, `?_=…`). Each is replaced by what it stands for, so a
//! version changes only when the document does. The visible text is never touched here.

use url::Url;

/// Query parameters that only track the click, never select the content.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "_ga",
    "_gl",
    "mkt_tok",
    "li_fat_id",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "rb_clickid",
    "s_cid",
    "_openstat",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsCtaTracking",
];

/// Parameters a redirect shim carries its destination in.
const SHIM_TARGET_PARAMS: &[&str] = &["u", "url", "q", "target", "dest", "destination", "redirect", "to", "link"];

/// Last path segments of redirect shims.
const SHIM_PATHS: &[&str] = &["l.php", "url", "redirect", "out", "link", "exit", "away", "r"];

/// The stable form of an absolute link target.
pub fn stable_link(mut url: Url) -> Url {
    // Unwrap nested shims (bounded: a shim pointing at a shim pointing at ...).
    for _ in 0..3 {
        match unwrap_shim(&url) {
            Some(inner) => url = inner,
            None => break,
        }
    }
    drop_redirect_token(&mut url);
    strip_tracking(&mut url);
    if let Some(query) = url.query().and_then(|q| stable_query(url.path(), q)) {
        url.set_query((!query.is_empty()).then_some(query.as_str()));
    }
    if let Some(mail) = cloudflare_email_link(&url) {
        if let Ok(u) = Url::parse(&format!("mailto:{mail}")) {
            return u;
        }
    }
    url
}

fn unwrap_shim(url: &Url) -> Option<Url> {
    let last = url.path_segments()?.next_back()?;
    if !SHIM_PATHS.contains(&last) {
        return None;
    }
    url.query_pairs().find_map(|(k, v)| {
        if !SHIM_TARGET_PARAMS.contains(&k.as_ref()) {
            return None;
        }
        let inner = Url::parse(&v).ok()?;
        matches!(inner.scheme(), "http" | "https").then_some(inner)
    })
}

/// `/redirect/<token>/rest` -> `/rest` when the token is opaque (holds a UUID or a long
/// random-looking run): the token identifies the visit, the rest is the destination.
fn drop_redirect_token(url: &mut Url) {
    let Some(segments) = url.path_segments().map(|s| s.map(str::to_string).collect::<Vec<_>>()) else {
        return;
    };
    let Some(i) = segments.iter().position(|s| s == "redirect") else {
        return;
    };
    match segments.get(i + 1) {
        Some(token) if is_opaque_token(token) && segments.len() > i + 2 => {
            let rest = segments[i + 2..].join("/");
            let kept = segments[..i].join("/");
            let path = if kept.is_empty() { format!("/{rest}") } else { format!("/{kept}/{rest}") };
            url.set_path(&path);
        }
        _ => {}
    }
}

/// Contains a UUID (8-4-4-4-12 hex), or is a run of 24+ letters/digits mixing both.
pub fn is_opaque_token(s: &str) -> bool {
    contains_uuid(s) || {
        let alnum: Vec<char> = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        alnum.len() >= 24
            && alnum.len() * 10 >= s.len() * 9
            && alnum.iter().any(|c| c.is_ascii_digit())
            && alnum.iter().any(|c| c.is_ascii_alphabetic())
    }
}

fn contains_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 36 {
        return false;
    }
    (0..=b.len() - 36).any(|i| {
        b[i..i + 36].iter().enumerate().all(|(j, c)| match j {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
    })
}

/// File extensions of static assets (images, fonts, styles, scripts, media): their query string
/// only busts a cache or picks a rendition, never other content. Documents (PDF, HTML) are
/// not among them: a query there may select the text.
const ASSET_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "tif", "tiff", "css", "js", "mjs", "woff",
    "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg",
];

/// Query parameters that only defeat caches, on any URL.
const CACHE_BUSTERS: &[&str] =
    &["cb", "cachebust", "cachebuster", "cache_bust", "cachebusting", "nocache", "bust", "rnd", "rand", "random"];

/// Parameters that defeat caches when their value is a time stamp (10 or 13 digits: Unix
/// seconds or milliseconds) or a long run of digits (`_=1712345678901`, `t=1712345678`).
const TIMESTAMP_BUSTERS: &[&str] = &["_", "t", "ts", "time", "timestamp", "v", "ver", "version"];

fn is_asset_path(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.').is_some_and(|(_, ext)| ASSET_EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

fn is_cache_buster(key: &str, value: &str) -> bool {
    let key = key.to_ascii_lowercase();
    CACHE_BUSTERS.contains(&key.as_str())
        || (TIMESTAMP_BUSTERS.contains(&key.as_str())
            && value.len() >= 10
            && value.len() <= 13
            && value.bytes().all(|b| b.is_ascii_digit()))
}

/// The query of a link or image source without its cache busters: all of it on a static
/// asset, named busters elsewhere. `None` when nothing is dropped (the query stays as written).
pub fn stable_query(path: &str, query: &str) -> Option<String> {
    if query.is_empty() {
        return None;
    }
    if is_asset_path(path) {
        return Some(String::new());
    }
    let pairs: Vec<&str> = query.split('&').collect();
    let kept: Vec<&str> = pairs
        .iter()
        .copied()
        .filter(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            !is_cache_buster(k, v)
        })
        .collect();
    (kept.len() != pairs.len()).then(|| kept.join("&"))
}

/// An image source as written (relative or not), without its cache busters.
pub fn stable_src(src: &str) -> std::borrow::Cow<'_, str> {
    let Some((before, query)) = src.split_once('?') else {
        return std::borrow::Cow::Borrowed(src);
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    match stable_query(before, query) {
        None => std::borrow::Cow::Borrowed(src),
        Some(q) => {
            let mut out = before.to_string();
            if !q.is_empty() {
                out.push('?');
                out.push_str(&q);
            }
            if let Some(f) = fragment {
                out.push('#');
                out.push_str(f);
            }
            std::borrow::Cow::Owned(out)
        }
    }
}

fn strip_tracking(url: &mut Url) {
    if url.query().is_none() {
        return;
    }
    let is_tracking = |k: &str| k.starts_with("utm_") || TRACKING_PARAMS.contains(&k);
    if !url.query_pairs().any(|(k, _)| is_tracking(&k)) {
        return;
    }
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| !is_tracking(k)).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// `/cdn-cgi/l/email-protection#<hex>` -> the address it encodes.
fn cloudflare_email_link(url: &Url) -> Option<String> {
    if !url.path().ends_with("/cdn-cgi/l/email-protection") {
        return None;
    }
    decode_cloudflare_email(url.fragment()?)
}

/// Cloudflare's obfuscation: the first byte is a key XORed into every following byte.
pub fn decode_cloudflare_email(hex: &str) -> Option<String> {
    if hex.len() < 4 || !hex.len().is_multiple_of(2) || hex.len() > 1024 {
        return None;
    }
    let bytes: Vec<u8> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect::<Option<_>>()?;
    let key = bytes[0];
    let decoded: Vec<u8> = bytes[1..].iter().map(|b| b ^ key).collect();
    let text = String::from_utf8(decoded).ok()?;
    let plausible = text.contains('@') && !text.chars().any(|c| c.is_control() || c.is_whitespace());
    plausible.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stable(s: &str) -> String {
        stable_link(Url::parse(s).unwrap()).to_string()
    }

    #[test]
    fn unwraps_redirect_shims() {
        assert_eq!(
            stable("https://lm.facebook.com/l.php?u=https%3A%2F%2Fwww.aboutads.info%2Fchoices%2F&h=AUDrUcyJEzf9XB"),
            "https://www.aboutads.info/choices/"
        );
        // A search link is not a shim: its q is not a URL.
        assert_eq!(stable("https://www.google.com/search?q=cars"), "https://www.google.com/search?q=cars");
    }

    #[test]
    fn drops_session_tokens_in_redirect_paths() {
        assert_eq!(
            stable("https://claude.ai/redirect/website.v1.b24fe639-450a-4847-ad00-fed3f6d287cb/settings/privacy"),
            "https://claude.ai/settings/privacy"
        );
        // A plain redirect path without a token stays.
        assert_eq!(stable("https://x.test/redirect/help"), "https://x.test/redirect/help");
    }

    #[test]
    fn strips_tracking_parameters_only() {
        assert_eq!(stable("https://x.test/p?utm_source=a&id=7&fbclid=z"), "https://x.test/p?id=7");
        assert_eq!(stable("https://x.test/p?utm_medium=a"), "https://x.test/p");
        assert_eq!(stable("https://x.test/p?id=7&hl=en"), "https://x.test/p?id=7&hl=en");
    }

    #[test]
    fn drops_cache_busters_never_content_selectors() {
        // Static assets: the whole query busts a cache or picks a rendition.
        assert_eq!(stable("https://x.test/img/logo.png?v=20260401&w=640"), "https://x.test/img/logo.png");
        assert_eq!(stable("https://x.test/app.CSS?1712345678"), "https://x.test/app.CSS");
        // Named busters anywhere; time stamps only under their usual names.
        assert_eq!(stable("https://x.test/terms?cb=83jd&lang=en"), "https://x.test/terms?lang=en");
        assert_eq!(stable("https://x.test/terms?_=1712345678901"), "https://x.test/terms");
        assert_eq!(stable("https://x.test/terms?t=1712345678&id=4"), "https://x.test/terms?id=4");
        // What may select the content stays: a short version, an id, a document's query.
        assert_eq!(stable("https://x.test/terms?version=2"), "https://x.test/terms?version=2");
        assert_eq!(stable("https://x.test/doc?id=1712345678"), "https://x.test/doc?id=1712345678");
        assert_eq!(stable("https://x.test/terms.pdf?v=3"), "https://x.test/terms.pdf?v=3");
        assert_eq!(stable("https://x.test/terms.pdf?t=1712345678"), "https://x.test/terms.pdf");
    }

    #[test]
    fn image_sources_lose_cache_busters_and_stay_as_written() {
        assert_eq!(stable_src("/static/logo.svg?v=9f8e7d"), "/static/logo.svg");
        assert_eq!(stable_src("hero.jpg?w=1200&q=75#x"), "hero.jpg#x");
        assert_eq!(stable_src("/_next/image?url=%2Fa.png&w=640"), "/_next/image?url=%2Fa.png&w=640");
        assert_eq!(stable_src("/pixel?cb=123&id=9"), "/pixel?id=9");
        assert_eq!(stable_src("logo.png"), "logo.png");
        assert_eq!(stable_src("?"), "?");
    }

    #[test]
    fn decodes_cloudflare_email_protection() {
        // key 0x4a; "lawenforcement-requests@anthropic.com" and so on.
        let hex = "4a262b3d672f242c2538292f272f243e67382f3b3f2f393e390a2b243e2238253a232964292527";
        let email = decode_cloudflare_email(hex).unwrap();
        assert!(email.ends_with("@anthropic.com"), "{email}");
        assert_eq!(
            stable(&format!("https://www.anthropic.com/cdn-cgi/l/email-protection#{hex}")),
            format!("mailto:{email}")
        );
        assert_eq!(decode_cloudflare_email("zz"), None);
        assert_eq!(decode_cloudflare_email("4a"), None);
    }
}
