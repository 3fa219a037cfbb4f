//! robots.txt (RFC 9309): groups by user agent, longest matching rule wins, `Allow` wins ties,
//! `*` and `$` patterns. Fetched once per origin per run and honoured by default; a source can
//! opt out with a recorded reason.

/// The product token we match groups against.
pub const PRODUCT_TOKEN: &str = "clausewatch";

/// robots.txt bodies larger than this are cut (RFC 9309 asks for at least 500 KiB).
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    allow: bool,
    pattern: String,
}

/// What one origin's robots.txt says to us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Robots {
    /// No robots.txt (4xx) or nothing that applies.
    AllowAll,
    /// robots.txt answered 5xx: RFC 9309 says assume complete disallow until it recovers.
    Unreachable {
        status: u16,
        why: String,
    },
    Rules(Vec<RuleSet>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl Robots {
    /// Parse a robots.txt body for our product token (or `*`).
    pub fn parse(body: &str) -> Robots {
        let body = if body.len() > MAX_ROBOTS_BYTES {
            let mut end = MAX_ROBOTS_BYTES;
            while !body.is_char_boundary(end) {
                end -= 1;
            }
            &body[..end]
        } else {
            body
        };
        // Groups: consecutive user-agent lines, then rules.
        let mut groups: Vec<(Vec<String>, Vec<Rule>)> = Vec::new();
        let mut in_agents = false;
        for raw in body.lines() {
            let line = raw.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else { continue };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push((Vec::new(), Vec::new()));
                        in_agents = true;
                    }
                    if let Some(g) = groups.last_mut() {
                        g.0.push(value.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if let Some(g) = groups.last_mut() {
                        // An empty Disallow allows everything: no rule.
                        if !value.is_empty() {
                            g.1.push(Rule { allow: key == "allow", pattern: value.to_string() });
                        }
                    }
                }
                _ => in_agents = false,
            }
        }
        let ours: Vec<RuleSet> = groups
            .iter()
            .filter(|(agents, _)| {
                agents.iter().any(|a| PRODUCT_TOKEN.starts_with(a.as_str()) && !a.is_empty() && a != "*")
            })
            .map(|(_, rules)| RuleSet { rules: rules.clone() })
            .collect();
        let chosen = if ours.is_empty() {
            groups
                .iter()
                .filter(|(agents, _)| agents.iter().any(|a| a == "*"))
                .map(|(_, rules)| RuleSet { rules: rules.clone() })
                .collect()
        } else {
            ours
        };
        if chosen.iter().all(|g: &RuleSet| g.rules.is_empty()) {
            Robots::AllowAll
        } else {
            Robots::Rules(chosen)
        }
    }

    /// Ok when `path_and_query` may be fetched; else why not.
    pub fn check(&self, path_and_query: &str) -> Result<(), String> {
        match self {
            Robots::AllowAll => Ok(()),
            Robots::Unreachable { why, .. } => Err(format!("{why}: assuming complete disallow (RFC 9309)")),
            Robots::Rules(sets) => {
                // Merge the groups that apply; the longest matching pattern decides.
                let mut best: Option<&Rule> = None;
                for rule in sets.iter().flat_map(|s| &s.rules) {
                    if matches(&rule.pattern, path_and_query) {
                        let better = match best {
                            None => true,
                            Some(b) => {
                                rule.pattern.len() > b.pattern.len()
                                    || (rule.pattern.len() == b.pattern.len() && rule.allow)
                            }
                        };
                        if better {
                            best = Some(rule);
                        }
                    }
                }
                match best {
                    Some(r) if !r.allow => {
                        Err(format!("robots.txt disallows {path_and_query} (rule \"Disallow: {}\")", r.pattern))
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}

/// RFC 9309 matching: `*` any run of characters, a final `$` anchors the end, else a prefix.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0usize;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
            continue;
        }
        if i == parts.len() - 1 && anchored {
            return path.len() >= pos + part.len() && path.ends_with(part);
        }
        match path[pos..].find(part) {
            Some(at) => pos += at + part.len(),
            None => return false,
        }
    }
    !anchored || pos == path.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_precedence() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /private\nAllow: /private/terms\n\nUser-agent: BadBot\nDisallow: /\n",
        );
        assert!(r.check("/legal/terms").is_ok());
        assert!(r.check("/private/x").unwrap_err().contains("Disallow: /private"));
        assert!(r.check("/private/terms").is_ok());
        // Our own group replaces the * group.
        let r = Robots::parse("User-agent: *\nDisallow: /\n\nUser-agent: Clausewatch\nDisallow: /admin\n");
        assert!(r.check("/terms").is_ok());
        assert!(r.check("/admin/x").is_err());
        assert_eq!(Robots::parse("User-agent: *\nDisallow:\n"), Robots::AllowAll);
        assert_eq!(Robots::parse("garbage\n\u{0}\u{1}"), Robots::AllowAll);
    }

    #[test]
    fn wildcards_and_anchors() {
        assert!(matches("/*.pdf$", "/docs/terms.pdf"));
        assert!(!matches("/*.pdf$", "/docs/terms.pdf?x=1"));
        assert!(matches("/a*b", "/axxb/c"));
        assert!(!matches("/a*b", "/axx"));
        assert!(matches("/", "/anything"));
    }
}
