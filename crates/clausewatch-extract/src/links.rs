//! Link targets in their stable form. Pages wrap links in things that change on every request
//! without the document changing: redirect shims carrying a per-request signature
//! (`l.php?u=<target>&h=<token>`), redirect paths with a session token
//! (`/redirect/website.v1.<uuid>/settings`), tracking parameters (`utm_*`, `fbclid`, ...), and
//! Cloudflare's e-mail obfuscation (a per-request XOR key). Each is replaced by what it stands
//! for, so a version changes only when the document does. The visible text is never touched here.

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
