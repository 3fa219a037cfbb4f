//! Catalog entries: one JSON file per platform, a superset of Open Terms Archive's declaration
//! format, with an optional `<id>.history.json` of dated older rules.
//!
//! Parsing is by hand over `serde_json::Value` so that every rejection names the field.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::rules::{DocumentRules, RangeBoundary, RangeSelector, Selector, SourceRules};
use crate::terms_types::is_known_terms_type;

/// Checks the syntax of a CSS selector; extraction owns the parser, so it is passed in.
pub type CssCheck<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// Longest accepted values, so a hostile catalog cannot blow up memory or the database.
const MAX_NAME_LEN: usize = 200;
const MAX_URL_LEN: usize = 4096;
const MAX_SELECTOR_LEN: usize = 16 * 1024;
const MAX_SOURCES: usize = 50;
const MAX_SELECTORS: usize = 200;

/// One platform of the catalog.
#[derive(Clone, Debug, PartialEq)]
pub struct PlatformEntry {
    /// Stable id: the declaration's file name without `.json`.
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    /// Headquarters jurisdiction (country or state code, free text).
    pub jurisdiction: Option<String>,
    pub website: Option<String>,
    pub imported_from: Option<String>,
    pub documents: BTreeMap<String, DocumentEntry>,
}

/// One terms type of one platform: the rules in force now and older dated rules.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentEntry {
    pub terms_type: String,
    pub rules: DocumentRules,
    /// Older rules, each valid until the given instant, sorted by that instant.
    pub history: Vec<DatedRules>,
    /// Set when the document is only in the history file: no longer tracked after this instant.
    pub retired_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DatedRules {
    pub rules: DocumentRules,
    pub valid_until: DateTime<Utc>,
}

impl DocumentEntry {
    /// The rules in force at `at`: the first history entry still valid then, else the current.
    pub fn rules_at(&self, at: DateTime<Utc>) -> &DocumentRules {
        self.history.iter().find(|h| at < h.valid_until).map(|h| &h.rules).unwrap_or(&self.rules)
    }

    /// Whether the document was declared at `at` (a retired one is not tracked any more).
    pub fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.retired_at.is_none_or(|r| at < r)
    }

    /// The rules as a timeline, oldest first.
    pub fn timeline(&self) -> Vec<RulesPeriod<'_>> {
        let mut out = Vec::new();
        let mut from = None;
        for h in &self.history {
            out.push((from, Some(h.valid_until), &h.rules));
            from = Some(h.valid_until);
        }
        out.push((from, self.retired_at, &self.rules));
        out
    }
}

/// Rules in force from (None: since always) until (None: still in force).
pub type RulesPeriod<'a> = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, &'a DocumentRules);

/// What went wrong, or was noted, while reading a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// A JSON path such as `terms."Privacy Policy".combine[1].select[0]`.
    pub field: String,
    pub reason: String,
    pub severity: Severity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The declaration (or the named document of it) is not imported.
    Rejected,
    /// Imported; worth knowing (unknown filter, unknown terms type, odd field).
    Warning,
    /// Not a declaration at all (a README next to the declarations).
    Skipped,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Rejected => "rejected",
            Severity::Warning => "warning",
            Severity::Skipped => "skipped",
        };
        if self.field.is_empty() {
            write!(f, "{sev}: {}: {}", self.file, self.reason)
        } else {
            write!(f, "{sev}: {}: {}: {}", self.file, self.field, self.reason)
        }
    }
}

struct Ctx<'a> {
    file: &'a str,
    problems: Vec<Problem>,
    css: CssCheck<'a>,
    known_filters: &'a [&'a str],
}

impl Ctx<'_> {
    fn push(&mut self, field: &str, reason: impl Into<String>, severity: Severity) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            field: field.to_string(),
            reason: reason.into(),
            severity,
        });
    }
    fn reject(&mut self, field: &str, reason: impl Into<String>) {
        self.push(field, reason, Severity::Rejected)
    }
    fn warn(&mut self, field: &str, reason: impl Into<String>) {
        self.push(field, reason, Severity::Warning)
    }
}

/// Parse one platform declaration. Returns the entry (None when the whole file is rejected) and
/// every problem found. A document with a fatal problem is dropped, its siblings are kept.
pub fn parse_declaration(
    id: &str,
    file: &str,
    text: &str,
    history_text: Option<(&str, &str)>,
    css: CssCheck<'_>,
    known_filters: &[&str],
) -> (Option<PlatformEntry>, Vec<Problem>) {
    let mut ctx = Ctx { file, problems: Vec::new(), css, known_filters };
    let entry = parse_entry(&mut ctx, id, text, history_text);
    (entry, ctx.problems)
}

/// Parse the rules of one document on their own (a declaration's `terms` value: `fetch` or
/// `combine`, with `select`, `remove`, `filter`, ...), as Open Terms Archive stores them beside a
/// snapshot. None when a problem is fatal.
pub fn parse_document_declaration(
    file: &str,
    text: &str,
    css: CssCheck<'_>,
    known_filters: &[&str],
) -> (Option<DocumentRules>, Vec<Problem>) {
    let mut ctx = Ctx { file, problems: Vec::new(), css, known_filters };
    let rules = match serde_json::from_str::<Value>(text) {
        Ok(value) => parse_document_rules(&mut ctx, "", &value),
        Err(e) => {
            ctx.reject("", format!("invalid JSON: {e}"));
            None
        }
    };
    (rules, ctx.problems)
}

fn parse_entry(ctx: &mut Ctx<'_>, id: &str, text: &str, history_text: Option<(&str, &str)>) -> Option<PlatformEntry> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            ctx.reject("", format!("invalid JSON: {e}"));
            return None;
        }
    };
    let Some(obj) = value.as_object() else {
        ctx.reject("", "a declaration must be a JSON object");
        return None;
    };
    let name = match obj.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= MAX_NAME_LEN => s.clone(),
        Some(Value::String(_)) => {
            ctx.reject("name", format!("must be a non-empty string of at most {MAX_NAME_LEN} bytes"));
            return None;
        }
        Some(_) => {
            ctx.reject("name", "must be a string");
            return None;
        }
        None => {
            ctx.reject("name", "missing");
            return None;
        }
    };
    let opt_string = |ctx: &mut Ctx<'_>, key: &str| match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= MAX_URL_LEN => Some(s.clone()),
        Some(_) => {
            ctx.warn(key, "ignored: must be a string of reasonable length");
            None
        }
    };
    let category = opt_string(ctx, "category");
    let jurisdiction = opt_string(ctx, "jurisdiction");
    let website = opt_string(ctx, "website");
    let imported_from = opt_string(ctx, "importedFrom");
    for key in obj.keys() {
        if ![
            "name",
            "terms",
            "category",
            "jurisdiction",
            "website",
            "importedFrom",
            "provenance",
            "unverified",
            "$schema",
        ]
        .contains(&key.as_str())
        {
            ctx.warn(key, "unknown field, kept in the file but not used");
        }
    }
    let Some(terms) = obj.get("terms") else {
        ctx.reject("terms", "missing");
        return None;
    };
    let Some(terms) = terms.as_object() else {
        ctx.reject("terms", "must be an object mapping terms types to documents");
        return None;
    };

    let mut history: BTreeMap<String, Vec<DatedRules>> = BTreeMap::new();
    if let Some((history_file, history_text)) = history_text {
        let saved_file = ctx.file;
        let mut hctx = Ctx { file: history_file, problems: Vec::new(), css: ctx.css, known_filters: ctx.known_filters };
        history = parse_history(&mut hctx, history_text);
        ctx.problems.append(&mut hctx.problems);
        ctx.file = saved_file;
    }

    let mut documents = BTreeMap::new();
    for (terms_type, doc) in terms {
        let field = format!("terms.{}", quote_key(terms_type));
        if !is_known_terms_type(terms_type) {
            ctx.warn(&field, "not one of the known terms types; kept as declared");
        }
        let Some(rules) = parse_document_rules(ctx, &field, doc) else {
            continue;
        };
        let history = history.remove(terms_type).unwrap_or_default();
        documents.insert(
            terms_type.clone(),
            DocumentEntry { terms_type: terms_type.clone(), rules, history, retired_at: None },
        );
    }
    // Terms types only in the history were tracked once: their history stays readable, and they
    // are retired at their last validUntil.
    for (terms_type, mut dated) in history {
        let Some(last) = dated.pop() else { continue };
        ctx.warn(
            &format!("history.{}", quote_key(&terms_type)),
            format!("only in the history file: kept as a document retired at {}", last.valid_until.to_rfc3339()),
        );
        documents.insert(
            terms_type.clone(),
            DocumentEntry { terms_type, rules: last.rules, history: dated, retired_at: Some(last.valid_until) },
        );
    }
    if documents.is_empty() && !terms.is_empty() {
        ctx.reject("terms", "no document of this declaration could be imported");
        return None;
    }
    Some(PlatformEntry { id: id.to_string(), name, category, jurisdiction, website, imported_from, documents })
}

fn quote_key(k: &str) -> String {
    serde_json::to_string(k).unwrap_or_else(|_| k.to_string())
}

fn parse_history(ctx: &mut Ctx<'_>, text: &str) -> BTreeMap<String, Vec<DatedRules>> {
    let mut out = BTreeMap::new();
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            ctx.reject("", format!("invalid JSON in history file: {e}; history ignored"));
            return out;
        }
    };
    let Some(obj) = value.as_object() else {
        ctx.reject("", "a history file must be an object of terms types; history ignored");
        return out;
    };
    for (terms_type, entries) in obj {
        let field = quote_key(terms_type);
        let Some(entries) = entries.as_array() else {
            ctx.reject(&field, "must be an array of dated rules");
            continue;
        };
        let mut dated = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let efield = format!("{field}[{i}]");
            let Some(eobj) = entry.as_object() else {
                ctx.reject(&efield, "must be an object");
                continue;
            };
            let until = match (eobj.get("validUntil"), eobj.get("ValidUntil")) {
                (Some(v), _) => v,
                (None, Some(v)) => {
                    ctx.warn(&format!("{efield}.ValidUntil"), "should be spelled validUntil; accepted");
                    v
                }
                (None, None) => {
                    ctx.reject(&efield, "missing validUntil");
                    continue;
                }
            };
            let Some(valid_until) = until.as_str().and_then(parse_instant) else {
                ctx.reject(&format!("{efield}.validUntil"), format!("not an ISO 8601 date: {until}"));
                continue;
            };
            if let Some(rules) = parse_document_rules(ctx, &efield, entry) {
                dated.push(DatedRules { rules, valid_until });
            }
        }
        dated.sort_by_key(|d| d.valid_until);
        out.insert(terms_type.clone(), dated);
    }
    out
}

/// Accepts RFC 3339 and the date-only form.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // ISO 8601 with a colon-less offset (`+0100`), as JavaScript's Date accepts.
    for fmt in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|n| n.and_utc())
}

/// Document-level fields apply to every combined source unless the source sets its own.
fn parse_document_rules(ctx: &mut Ctx<'_>, field: &str, doc: &Value) -> Option<DocumentRules> {
    let Some(obj) = doc.as_object() else {
        ctx.reject(field, "must be an object");
        return None;
    };
    let before = ctx.problems.iter().filter(|p| p.severity == Severity::Rejected).count();
    let shared = parse_source_fields(ctx, field, obj, None);
    let mut sources = Vec::new();
    match (obj.get("fetch"), obj.get("combine")) {
        (Some(_), Some(_)) => ctx.reject(field, "has both fetch and combine; use one"),
        (None, None) => ctx.reject(field, "needs fetch (a URL) or combine (a list of sources)"),
        (Some(fetch), None) => {
            if let Some(url) = parse_url(ctx, &format!("{field}.fetch"), fetch) {
                sources.push(shared.clone().into_source(url));
            }
        }
        (None, Some(combine)) => match combine.as_array() {
            Some(list) if list.is_empty() => ctx.reject(&format!("{field}.combine"), "is empty"),
            Some(list) if list.len() > MAX_SOURCES => {
                ctx.reject(&format!("{field}.combine"), format!("more than {MAX_SOURCES} sources"))
            }
            Some(list) => {
                for (i, item) in list.iter().enumerate() {
                    let ifield = format!("{field}.combine[{i}]");
                    let Some(iobj) = item.as_object() else {
                        ctx.reject(&ifield, "must be an object with fetch");
                        continue;
                    };
                    let own = parse_source_fields(ctx, &ifield, iobj, Some(&shared));
                    match iobj.get("fetch") {
                        Some(fetch) => {
                            if let Some(url) = parse_url(ctx, &format!("{ifield}.fetch"), fetch) {
                                sources.push(own.into_source(url));
                            }
                        }
                        None => ctx.reject(&ifield, "missing fetch"),
                    }
                }
            }
            None => ctx.reject(&format!("{field}.combine"), "must be an array of sources"),
        },
    }
    let after = ctx.problems.iter().filter(|p| p.severity == Severity::Rejected).count();
    if after > before || sources.is_empty() {
        return None;
    }
    Some(DocumentRules { sources })
}

#[derive(Clone, Default)]
struct SourceFields {
    select: Vec<Selector>,
    remove: Vec<Selector>,
    filters: Vec<Value>,
    execute_client_scripts: bool,
    origin: Option<String>,
    ignore_robots: Option<String>,
}

impl SourceFields {
    fn into_source(self, url: String) -> SourceRules {
        SourceRules {
            url,
            select: self.select,
            remove: self.remove,
            filters: self.filters,
            execute_client_scripts: self.execute_client_scripts,
            origin: self.origin,
            ignore_robots: self.ignore_robots,
        }
    }
}

fn parse_source_fields(
    ctx: &mut Ctx<'_>,
    field: &str,
    obj: &Map<String, Value>,
    inherit: Option<&SourceFields>,
) -> SourceFields {
    let mut out = inherit.cloned().unwrap_or_default();
    if let Some(v) = obj.get("select") {
        out.select = parse_selectors(ctx, &format!("{field}.select"), v);
    }
    if let Some(v) = obj.get("remove") {
        out.remove = parse_selectors(ctx, &format!("{field}.remove"), v);
    }
    if let Some(v) = obj.get("filter") {
        out.filters = parse_filters(ctx, &format!("{field}.filter"), v);
    }
    match obj.get("executeClientScripts") {
        None => {}
        Some(Value::Bool(b)) => out.execute_client_scripts = *b,
        Some(other) => {
            ctx.reject(&format!("{field}.executeClientScripts"), format!("must be true or false, not {other}"))
        }
    }
    match obj.get("origin") {
        None => {}
        Some(Value::String(s)) if s.len() <= MAX_URL_LEN => out.origin = Some(s.clone()),
        Some(_) => ctx.warn(&format!("{field}.origin"), "ignored: must be a short string"),
    }
    match obj.get("ignoreRobots") {
        None => {}
        Some(Value::String(reason)) if !reason.trim().is_empty() && reason.len() <= MAX_URL_LEN => {
            out.ignore_robots = Some(reason.trim().to_string())
        }
        Some(_) => ctx.reject(
            &format!("{field}.ignoreRobots"),
            "must be the reason robots.txt is not followed for this source (a non-empty string)",
        ),
    }
    for key in obj.keys() {
        if ![
            "fetch",
            "ignoreRobots",
            "combine",
            "select",
            "remove",
            "filter",
            "executeClientScripts",
            "origin",
            "validUntil",
            "ValidUntil",
        ]
        .contains(&key.as_str())
        {
            ctx.warn(&format!("{field}.{key}"), "unknown field, ignored");
        }
    }
    out
}

fn parse_url(ctx: &mut Ctx<'_>, field: &str, v: &Value) -> Option<String> {
    let Some(s) = v.as_str() else {
        ctx.reject(field, "must be a URL string");
        return None;
    };
    if s.len() > MAX_URL_LEN {
        ctx.reject(field, format!("URL longer than {MAX_URL_LEN} bytes"));
        return None;
    }
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(s.to_string()),
        Ok(u) => {
            ctx.reject(field, format!("only http and https URLs with a host can be fetched, not {:?}", u.scheme()));
            None
        }
        Err(e) => {
            ctx.reject(field, format!("invalid URL {s:?}: {e}"));
            None
        }
    }
}

fn parse_selectors(ctx: &mut Ctx<'_>, field: &str, v: &Value) -> Vec<Selector> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    if items.len() > MAX_SELECTORS {
        ctx.reject(field, format!("more than {MAX_SELECTORS} selectors"));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let ifield = if v.is_array() { format!("{field}[{i}]") } else { field.to_string() };
        match item {
            Value::String(s) => {
                if let Some(css) = check_css(ctx, &ifield, s) {
                    out.push(Selector::Css(css));
                }
            }
            Value::Object(o) => {
                let start = match (o.get("startBefore"), o.get("startAfter")) {
                    (Some(_), Some(_)) => {
                        ctx.reject(&ifield, "has both startBefore and startAfter");
                        continue;
                    }
                    (Some(b), None) => string_css(ctx, &format!("{ifield}.startBefore"), b).map(RangeBoundary::Before),
                    (None, Some(a)) => string_css(ctx, &format!("{ifield}.startAfter"), a).map(RangeBoundary::After),
                    (None, None) => {
                        ctx.reject(&ifield, "a range selector needs startBefore or startAfter");
                        continue;
                    }
                };
                let end = match (o.get("endBefore"), o.get("endAfter")) {
                    (Some(_), Some(_)) => {
                        ctx.reject(&ifield, "has both endBefore and endAfter");
                        continue;
                    }
                    (Some(b), None) => string_css(ctx, &format!("{ifield}.endBefore"), b).map(RangeBoundary::Before),
                    (None, Some(a)) => string_css(ctx, &format!("{ifield}.endAfter"), a).map(RangeBoundary::After),
                    (None, None) => {
                        ctx.reject(&ifield, "a range selector needs endBefore or endAfter");
                        continue;
                    }
                };
                for key in o.keys() {
                    if !["startBefore", "startAfter", "endBefore", "endAfter"].contains(&key.as_str()) {
                        ctx.warn(&format!("{ifield}.{key}"), "unknown range field, ignored");
                    }
                }
                if let (Some(start), Some(end)) = (start, end) {
                    out.push(Selector::Range(RangeSelector { start, end }));
                }
            }
            other => ctx.reject(&ifield, format!("a selector must be a CSS string or a range object, not {other}")),
        }
    }
    out
}

fn string_css(ctx: &mut Ctx<'_>, field: &str, v: &Value) -> Option<String> {
    match v.as_str() {
        Some(s) => check_css(ctx, field, s),
        None => {
            ctx.reject(field, "must be a CSS selector string");
            None
        }
    }
}

fn check_css(ctx: &mut Ctx<'_>, field: &str, s: &str) -> Option<String> {
    if s.len() > MAX_SELECTOR_LEN {
        ctx.reject(field, format!("selector longer than {MAX_SELECTOR_LEN} bytes"));
        return None;
    }
    match (ctx.css)(s) {
        Ok(()) => Some(s.to_string()),
        Err(e) => {
            ctx.reject(field, format!("invalid CSS selector {s:?}: {e}"));
            None
        }
    }
}

fn parse_filters(ctx: &mut Ctx<'_>, field: &str, v: &Value) -> Vec<Value> {
    let Some(items) = v.as_array() else {
        ctx.reject(field, "must be an array of filter names");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let ifield = format!("{field}[{i}]");
        let name = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) if o.len() == 1 => o.keys().next().map(String::as_str),
            _ => None,
        };
        match name {
            Some(name) => {
                if !ctx.known_filters.contains(&name) {
                    ctx.warn(&ifield, format!("unknown filter {name:?}: kept, not applied"));
                }
                out.push(item.clone());
            }
            None => ctx.reject(&ifield, "a filter must be a name or an object {name: arguments}"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_css(_: &str) -> Result<(), String> {
        Ok(())
    }

    fn parse(text: &str) -> (Option<PlatformEntry>, Vec<Problem>) {
        parse_declaration("X", "X.json", text, None, &any_css, &[])
    }

    #[test]
    fn combine_inherits_document_fields() {
        let (entry, problems) = parse(
            r#"{"name":"X","terms":{"Terms of Service":{"select":["main"],"remove":".ad",
               "executeClientScripts":true,
               "combine":[{"fetch":"https://x.test/a"},{"fetch":"https://x.test/b","select":"article"}]}}}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let doc = &entry.unwrap().documents["Terms of Service"];
        assert_eq!(doc.rules.sources.len(), 2);
        assert_eq!(doc.rules.sources[0].select, vec![Selector::Css("main".into())]);
        assert_eq!(doc.rules.sources[1].select, vec![Selector::Css("article".into())]);
        assert_eq!(doc.rules.sources[1].remove, vec![Selector::Css(".ad".into())]);
        assert!(doc.rules.sources[1].execute_client_scripts);
    }

    #[test]
    fn rejects_name_field_and_reason() {
        let (entry, problems) = parse(r#"{"terms":{}}"#);
        assert!(entry.is_none());
        assert_eq!(problems[0].field, "name");
        let (entry, problems) = parse(r#"{"name":"X","terms":{"Privacy Policy":{"fetch":"ftp://x"}}}"#);
        assert!(entry.is_none());
        assert!(problems.iter().any(|p| p.field == "terms.\"Privacy Policy\".fetch"), "{problems:?}");
    }

    #[test]
    fn one_bad_document_keeps_siblings() {
        let (entry, problems) = parse(
            r#"{"name":"X","terms":{"Privacy Policy":{"fetch":"https://x.test/p","select":[{"startBefore":"h1"}]},
               "Terms of Service":{"fetch":"https://x.test/t","filter":["mystery"]}}}"#,
        );
        let entry = entry.unwrap();
        assert_eq!(entry.documents.len(), 1);
        assert!(problems.iter().any(|p| p.severity == Severity::Rejected && p.field.contains("select[0]")));
        assert!(problems.iter().any(|p| p.severity == Severity::Warning && p.reason.contains("mystery")));
    }

    #[test]
    fn history_dates_rules() {
        let history = r#"{"Terms of Service":[{"fetch":"https://x.test/old","select":"main","validUntil":"2024-01-01T00:00:00Z"}]}"#;
        let (entry, problems) = parse_declaration(
            "X",
            "X.json",
            r#"{"name":"X","terms":{"Terms of Service":{"fetch":"https://x.test/new","select":"main"}}}"#,
            Some(("X.history.json", history)),
            &any_css,
            &[],
        );
        assert!(problems.is_empty(), "{problems:?}");
        let doc = &entry.unwrap().documents["Terms of Service"];
        let old = parse_instant("2023-06-01").unwrap();
        let new = parse_instant("2024-06-01").unwrap();
        assert_eq!(doc.rules_at(old).sources[0].url, "https://x.test/old");
        assert_eq!(doc.rules_at(new).sources[0].url, "https://x.test/new");
        assert_eq!(parse_instant("2024-02-28T23:59:59+0100"), parse_instant("2024-02-28T22:59:59Z"));
        assert!(parse_instant("yesterday").is_none());
    }

    #[test]
    fn history_only_documents_are_retired() {
        let history = r#"{"Imprint":[{"fetch":"https://x.test/a","select":"main","validUntil":"2024-01-01T00:00:00Z"},
                                     {"fetch":"https://x.test/b","select":"main","validUntil":"2025-01-01T00:00:00Z"}]}"#;
        let (entry, _) = parse_declaration(
            "X",
            "X.json",
            r#"{"name":"X","terms":{}}"#,
            Some(("X.history.json", history)),
            &any_css,
            &[],
        );
        let doc = &entry.unwrap().documents["Imprint"];
        assert_eq!(doc.retired_at, parse_instant("2025-01-01"));
        assert!(doc.in_force(parse_instant("2024-06-01").unwrap()));
        assert!(!doc.in_force(parse_instant("2025-06-01").unwrap()));
        assert_eq!(doc.rules_at(parse_instant("2024-06-01").unwrap()).sources[0].url, "https://x.test/b");
        assert_eq!(doc.rules_at(parse_instant("2023-06-01").unwrap()).sources[0].url, "https://x.test/a");
    }
}
