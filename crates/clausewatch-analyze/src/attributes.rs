//! Facts inside a clause: amounts with currency, durations, ages, places, dispute bodies, who
//! controls which data settings, and a few yes/no properties. Numbers written in words count
//! ("twenty-four (24) hours", "one hundred dollars").

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::taxonomy::Provision;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    pub kind: String,
    pub value: Value,
    /// The words of the clause the value was read from.
    pub text: String,
    /// Byte offsets of `text` in the clause.
    pub start: usize,
    pub end: usize,
}

/// A raw fact found in a clause, before it is given a taxonomy attribute name.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub kind: &'static str,
    pub value: Value,
    pub start: usize,
    pub end: usize,
}

const UNITS: [(&str, u64); 20] = [
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
];
const TENS: [(&str, u64); 8] = [
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

/// "twenty-four" → 24, "one hundred and twenty" → 120, "a thousand" → 1000; None if not a number.
pub fn words_to_number(words: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut any = false;
    for w in words.to_lowercase().split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()) {
        if w == "and" {
            continue;
        }
        if w == "a" || w == "an" {
            // Only "a hundred", "a thousand": the multipliers below take max(1).
            continue;
        }
        if let Some((_, v)) = UNITS.iter().chain(TENS.iter()).find(|(n, _)| *n == w) {
            any = true;
            current = current.checked_add(*v)?;
        } else if w == "hundred" {
            any = true;
            current = current.max(1).checked_mul(100)?;
        } else if w == "thousand" || w == "million" {
            any = true;
            let m = if w == "thousand" { 1_000 } else { 1_000_000 };
            total = total.checked_add(current.max(1).checked_mul(m)?)?;
            current = 0;
        } else {
            return None;
        }
    }
    any.then_some(total + current)
}

// ASCII word boundaries `(?-u:\b)` throughout: a Unicode `\b` forces the slow NFA simulation
// on any text with a non-ASCII character (curly quotes are everywhere in legal text).
const NUMBER_WORD: &str = r"(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|a|an|and)(?:[\s-]+|(?-u:\b))){1,6}";

struct Patterns {
    amount_symbol: Regex,
    amount_code: Regex,
    amount_words: Regex,
    duration: Regex,
    age: Regex,
    age_after: Regex,
    law_of: Regex,
    adjective_law: Regex,
    courts_in: Regex,
    seat: Regex,
    body: Regex,
    controller: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let num = r"\d{1,3}(?:[,\u{a0}]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?";
        let r = |s: &str| Regex::new(s).expect("attribute patterns are fixed and tested");
        Patterns {
            amount_symbol: r(&format!(
                r"(?i)(?P<cur>US\$|USD|\$|€|EUR|£|GBP|CAD|AUD|CHF|JPY|¥|INR|₹)\s?(?P<num>{num})(?:\s?(?P<mult>million|billion|thousand|k)(?-u:\b))?"
            )),
            amount_code: r(&format!(
                r"(?i)(?-u:\b)(?P<num>{num})\s?(?P<mult>million|billion|thousand)?\s?(?P<cur>USD|EUR|GBP|CHF|CAD|AUD|(?:U\.?S\.? )?dollars|euros?|pounds(?: sterling)?)(?-u:\b)"
            )),
            amount_words: r(&format!(
                r"(?i)(?-u:\b)(?P<words>{NUMBER_WORD})\s?(?:\(\s?(?:US)?\$?\s?(?P<num>[\d,.]+)\s?\)\s?)?(?P<cur>(?:U\.?S\.? )?dollars|euros?|pounds)(?-u:\b)"
            )),
            duration: r(&format!(
                r"(?i)(?-u:\b)(?P<n>\d+|{NUMBER_WORD})\s?(?:\(\s?(?P<paren>\d+)\s?\)\s?)?[\s-]?(?P<cal>calendar |business |working )?(?P<unit>hours?|days?|weeks?|months?|years?)(?-u:\b)"
            )),
            age: r(&format!(
                r"(?i)(?-u:\b)(?:at least|under|over|older than|younger than|below|above|aged?|age of|minimum age(?: is| of)?)\s(?:the age of\s)?(?P<n>\d{{1,2}}|{NUMBER_WORD})(?-u:\b)"
            )),
            age_after: r(&format!(
                r"(?i)(?-u:\b)(?P<n>\d{{1,2}}|{NUMBER_WORD})\s?(?:\(\d{{1,2}}\)\s)?(?:years? of age|years? old|\+|or older|or over|and older|and over)"
            )),
            law_of: r(
                r"(?-u:\b)laws? of (?:the )?(?:(?:State|Commonwealth|Province|Republic|Kingdom|Grand Duchy) of )?(?P<p>[A-Z][\w.'’]*(?:(?: and| of|,)? [A-Z][\w.'’]*){0,4})",
            ),
            adjective_law: r(r"(?-u:\b)(?P<p>[A-Z][a-z]+(?: [A-Z][a-z]+)?) law(?-u:\b)"),
            courts_in: r(
                r"(?-u:\b)courts?(?-u:\b)[^.;]{0,80}?(?-u:\b)(?:located|sitting|seated|situated)?\s?(?:in|of|for) (?:the )?(?:(?:City|County|State|District|Borough) (?:and County )?of )?(?P<p>[A-Z][\w.]*(?:(?: and| of)? [A-Z][\w.]*|, [A-Z][\w.]*){0,4})",
            ),
            seat: r(
                r"(?i:(?-u:\b)(?:place|seat|venue|location) of (?:the )?arbitration(?-u:\b)|(?-u:\b)arbitration(?-u:\b)[^.;]{0,60}?(?-u:\b)(?:held|conducted|take place|seated|venue)(?-u:\b))[^.;]{0,30}?(?-u:\b)(?:in|be) (?P<p>[A-Z][\w.]*(?:(?: and| of)? [A-Z][\w.]*|, [A-Z][\w.]*){0,3})",
            ),
            body: r(
                r"(?-u:\b)(?P<b>American Arbitration Association|AAA|JAMS|Judicial Arbitration and Mediation Services|International Chamber of Commerce|ICC|National Arbitration and Mediation|NAM|CIETAC|China International Economic and Trade Arbitration Commission|London Court of International Arbitration|LCIA|Singapore International Arbitration Cent(?:re|er)|SIAC|HKIAC|Hong Kong International Arbitration Cent(?:re|er)|ADR Services|Netherlands Arbitration Institute|Swiss Chambers|DIS)(?-u:\b)",
            ),
            controller: r(
                r"(?i)(?-u:\b)(?P<who>(?:organi[sz]ation|workspace|account|enterprise|team|project) (?:admins?|administrators?|owners?)|admins?|administrators?)(?-u:\b)",
            ),
        }
    })
}

fn parse_num(s: &str) -> Option<f64> {
    s.replace([',', '\u{a0}'], "").parse::<f64>().ok().filter(|v| v.is_finite())
}

fn currency(code: &str) -> &'static str {
    let c = code.to_lowercase();
    match c.as_str() {
        "$" | "us$" | "usd" => "USD",
        "€" | "eur" | "euro" | "euros" => "EUR",
        "£" | "gbp" | "pounds" | "pounds sterling" => "GBP",
        "cad" => "CAD",
        "aud" => "AUD",
        "chf" => "CHF",
        "jpy" | "¥" => "JPY",
        "inr" | "₹" => "INR",
        _ if c.contains("dollar") => "USD",
        _ => "XXX",
    }
}

fn multiplier(m: Option<&str>) -> f64 {
    match m.map(|m| m.to_lowercase()).as_deref() {
        Some("k") | Some("thousand") => 1e3,
        Some("million") => 1e6,
        Some("billion") => 1e9,
        _ => 1.0,
    }
}

fn word_or_digits(n: &str, paren: Option<&str>) -> Option<u64> {
    if let Some(p) = paren.and_then(|p| p.parse().ok()) {
        return Some(p);
    }
    n.trim().parse().ok().or_else(|| words_to_number(n.trim()))
}

fn overlaps(facts: &[Fact], s: usize, e: usize) -> bool {
    facts.iter().any(|f| s < f.end && f.start < e)
}

/// Every amount, duration, age, place and body mentioned in a clause, in text order.
pub fn facts(clause: &str) -> Vec<Fact> {
    let p = patterns();
    let mut out: Vec<Fact> = Vec::new();
    for re in [&p.amount_symbol, &p.amount_code] {
        for c in re.captures_iter(clause) {
            let m = c.get(0).unwrap_or_else(|| unreachable!());
            if overlaps(&out, m.start(), m.end()) {
                continue;
            }
            let Some(v) = c.name("num").and_then(|n| parse_num(n.as_str())) else { continue };
            let amount = v * multiplier(c.name("mult").map(|m| m.as_str()));
            let cur = currency(c.name("cur").map(|m| m.as_str()).unwrap_or(""));
            out.push(Fact {
                kind: "amount",
                value: json!({"amount": amount, "currency": cur}),
                start: m.start(),
                end: m.end(),
            });
        }
    }
    for c in p.amount_words.captures_iter(clause) {
        let m = c.get(0).unwrap_or_else(|| unreachable!());
        if overlaps(&out, m.start(), m.end()) {
            continue;
        }
        let v = c
            .name("num")
            .and_then(|n| parse_num(n.as_str()))
            .or_else(|| c.name("words").and_then(|w| words_to_number(w.as_str())).map(|v| v as f64));
        if let Some(v) = v {
            let cur = currency(c.name("cur").map(|m| m.as_str()).unwrap_or(""));
            out.push(Fact {
                kind: "amount",
                value: json!({"amount": v, "currency": cur}),
                start: m.start(),
                end: m.end(),
            });
        }
    }
    for c in p.duration.captures_iter(clause) {
        let m = c.get(0).unwrap_or_else(|| unreachable!());
        let Some(n) =
            word_or_digits(c.name("n").map(|m| m.as_str()).unwrap_or(""), c.name("paren").map(|m| m.as_str()))
        else {
            continue;
        };
        if overlaps(&out, m.start(), m.end()) || n > 100_000 {
            continue;
        }
        let unit = c.name("unit").map(|u| u.as_str().to_lowercase()).unwrap_or_default();
        let unit = unit.trim_end_matches('s').to_string();
        // "13 years old" is an age, not a duration.
        // Only the next few words matter (and lower-casing the whole rest would be quadratic).
        let after = window(clause, m.end(), m.end() + 16).trim_start().to_lowercase();
        if unit == "year" && (after.starts_with("old") || after.starts_with("of age")) {
            continue;
        }
        let days = match unit.as_str() {
            "hour" => n as f64 / 24.0,
            "day" => n as f64,
            "week" => n as f64 * 7.0,
            "month" => n as f64 * 30.0,
            _ => n as f64 * 365.0,
        };
        let mut v = json!({"value": n, "unit": format!("{unit}s"), "days": days});
        if let Some(cal) = c.name("cal") {
            v["calendar"] = json!(cal.as_str().trim().to_lowercase());
        }
        out.push(Fact { kind: "duration", value: v, start: m.start(), end: m.end() });
    }
    for re in [&p.age, &p.age_after] {
        for c in re.captures_iter(clause) {
            let m = c.get(0).unwrap_or_else(|| unreachable!());
            let Some(n) = word_or_digits(c.name("n").map(|m| m.as_str()).unwrap_or(""), None) else { continue };
            if !(5..=25).contains(&n) || overlaps(&out, m.start(), m.end()) {
                continue;
            }
            let ctx = window(clause, m.start().saturating_sub(60), m.end() + 60).to_lowercase();
            if !ctx.contains("age")
                && !ctx.contains("old")
                && !ctx.contains("minor")
                && !ctx.contains("child")
                && !ctx.contains("parent")
                && !ctx.contains("majority")
            {
                continue;
            }
            out.push(Fact { kind: "age", value: json!(n), start: m.start(), end: m.end() });
        }
    }
    for (re, role) in [(&p.law_of, "law"), (&p.adjective_law, "law"), (&p.courts_in, "courts"), (&p.seat, "seat")] {
        for c in re.captures_iter(clause) {
            let Some(m) = c.name("p") else { continue };
            let place = clean_place(m.as_str());
            if place.is_empty()
                || NOT_PLACES.iter().any(|n| place.eq_ignore_ascii_case(n) || place.starts_with(&format!("{n} ")))
            {
                continue;
            }
            if out.iter().any(|f| f.kind == "place" && f.start == m.start()) {
                continue;
            }
            out.push(Fact {
                kind: "place",
                value: json!({"name": place, "role": role}),
                start: m.start(),
                end: m.start() + place.len(),
            });
        }
    }
    let mentions_arbitration = clause.to_lowercase().contains("arbitra");
    for c in p.body.captures_iter(clause) {
        let m = c.name("b").unwrap_or_else(|| unreachable!());
        let name = match m.as_str() {
            "American Arbitration Association" | "AAA" => "AAA",
            "JAMS" | "Judicial Arbitration and Mediation Services" => "JAMS",
            "International Chamber of Commerce" | "ICC" => "ICC",
            "National Arbitration and Mediation" | "NAM" => "NAM",
            "CIETAC" | "China International Economic and Trade Arbitration Commission" => "CIETAC",
            "London Court of International Arbitration" | "LCIA" => "LCIA",
            s if s.starts_with("Singapore") || s == "SIAC" => "SIAC",
            s if s.starts_with("Hong Kong") || s == "HKIAC" => "HKIAC",
            s => s,
        };
        // Short acronyms only count next to arbitration words (ICC, DIS and NAM are common words or names).
        if m.as_str().len() <= 4 && !mentions_arbitration {
            continue;
        }
        if !out.iter().any(|f| f.kind == "body" && f.value["name"] == name) {
            out.push(Fact { kind: "body", value: json!({"name": name}), start: m.start(), end: m.end() });
        }
    }
    out.sort_by_key(|f| f.start);
    out
}

/// Capitalised words that follow "laws of" or "courts in" but are not places.
const NOT_PLACES: [&str; 28] = [
    "Use",
    "Service",
    "Services",
    "These",
    "This",
    "The",
    "Terms",
    "Agreement",
    "Your",
    "Any",
    "Such",
    "Section",
    "Our",
    "Applicable",
    "Governing",
    "Consumer",
    "Local",
    "Mandatory",
    "Federal",
    "State",
    "International",
    "Substantive",
    "Contract",
    "Case",
    "Common",
    "Privacy",
    "Data",
    "Protection",
];

fn clean_place(s: &str) -> String {
    let mut p = s.trim().trim_end_matches([',', '.']).to_string();
    for stop in [
        " without",
        " excluding",
        " Without",
        " and the United Nations",
        " except",
        " In",
        " The",
        " This",
        " If",
        " You",
    ] {
        if let Some(i) = p.find(stop) {
            p.truncate(i);
        }
    }
    p.trim().trim_end_matches([',', '.']).to_string()
}

/// Data settings an organisation's admins (or the user) may control, found in a clause.
const SETTINGS: [(&str, &str); 10] = [
    ("zero data retention", "zero data retention"),
    ("prompt logging", "prompt logging"),
    ("logging", "prompt logging"),
    ("log prompts", "prompt logging"),
    ("retention", "data retention"),
    ("model training", "model training"),
    ("train", "model training"),
    ("chat history", "chat history"),
    ("data sharing", "data sharing"),
    ("memory", "memory"),
];

fn controls(clause: &str) -> Option<(String, Vec<String>, usize, usize)> {
    let m = patterns().controller.find(clause)?;
    let lower = clause.to_lowercase();
    let mut settings: Vec<String> = Vec::new();
    for (cue, name) in SETTINGS {
        if lower.contains(cue) && !settings.iter().any(|s| s == name) {
            settings.push(name.to_string());
        }
    }
    if settings.is_empty() {
        return None;
    }
    let who = m.as_str().to_lowercase();
    let who = if who.contains("organ")
        || who.contains("workspace")
        || who.contains("enterprise")
        || who == "admin"
        || who == "admins"
        || who.starts_with("administrator")
    {
        "organisation admins".to_string()
    } else {
        who
    };
    Some((who, settings, m.start(), m.end()))
}

fn has(lower: &str, cues: &[&str]) -> bool {
    cues.iter().any(|c| lower.contains(c))
}

fn near(clause: &str, f: &Fact, cues: &[&str], span: usize) -> bool {
    let ctx = window(clause, f.start.saturating_sub(span), f.end + span).to_lowercase();
    has(&ctx, cues)
}

/// `s[a..b]` widened to character boundaries and clamped to the string (offsets may come from
/// arithmetic around a match, and lower-casing may change byte lengths, so never slice blindly).
fn window(s: &str, a: usize, b: usize) -> &str {
    let mut a = a.min(s.len());
    while !s.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = b.min(s.len()).max(a);
    while !s.is_char_boundary(b) {
        b += 1;
    }
    &s[a..b]
}

/// Names the facts of one clause after the provision's attributes.
pub fn for_provision(provision: &Provision, clause: &str) -> Vec<Attribute> {
    for_provision_with(provision, clause, &facts(clause))
}

/// As `for_provision`, with the clause's facts already found (one clause, several findings).
pub fn for_provision_with(provision: &Provision, clause: &str, facts: &[Fact]) -> Vec<Attribute> {
    let lower = clause.to_lowercase();
    let mut out: Vec<Attribute> = Vec::new();
    let wants = |name: &str| provision.attributes.iter().any(|a| a.name == name);
    let put = |name: &str, kind: &str, value: Value, start: usize, end: usize, out: &mut Vec<Attribute>| {
        if out.iter().any(|a| a.name == name) {
            return;
        }
        let (s, e) = (start.min(clause.len()), end.min(clause.len()));
        let text = clause.get(s..e).unwrap_or("").to_string();
        out.push(Attribute { name: name.to_string(), kind: kind.to_string(), value, text, start: s, end: e });
    };
    let first = |kind: &str| facts.iter().find(|f| f.kind == kind);
    let whole = (0, clause.len());

    // Amounts.
    let amounts: Vec<&Fact> = facts.iter().filter(|f| f.kind == "amount").collect();
    for f in &amounts {
        if wants("min_purchase_amount") && near(clause, f, &["minimum", "at least", " min "], 40) {
            put("min_purchase_amount", "amount", f.value.clone(), f.start, f.end, &mut out);
        } else if wants("max_purchase_amount") && near(clause, f, &["maximum", "up to", "no more than", " max "], 40) {
            put("max_purchase_amount", "amount", f.value.clone(), f.start, f.end, &mut out);
        }
    }
    if let Some(f) = amounts.first() {
        for name in ["cap_amount", "amount", "price_after_trial"] {
            if wants(name) {
                put(name, "amount", f.value.clone(), f.start, f.end, &mut out);
            }
        }
    }
    if wants("cap_basis") {
        let basis = if lower.contains("greater of") {
            Some("greater of")
        } else if lower.contains("lesser of") {
            Some("lesser of")
        } else if has(
            &lower,
            &[
                "amount you paid",
                "amounts you paid",
                "fees paid",
                "fees you paid",
                "amount paid",
                "amounts paid",
                "you have paid",
            ],
        ) {
            Some("fees paid")
        } else if !amounts.is_empty() {
            Some("fixed amount")
        } else {
            None
        };
        if let Some(b) = basis {
            put("cap_basis", "text", json!(b), whole.0, whole.1, &mut out);
        }
    }

    // Durations: the provision's duration attributes, most specific cue first.
    // A reported figure ("Average response time: 1.1 days") describes the past, not a term.
    let statistic = |f: &Fact| {
        has(&window(clause, f.start.saturating_sub(30), f.start).to_lowercase(), crate::signals::STATISTIC_WORDS)
    };
    let durations: Vec<&Fact> = facts.iter().filter(|f| f.kind == "duration" && !statistic(f)).collect();
    let duration_attr = |name: &str| -> Option<(&[&str], bool)> {
        Some(match name {
            "expiry_period" => (&["expire", "expiry", "expiration", "valid for", "forfeit"], false),
            "refund_window_days" => (&["refund", "withdraw", "money back", "cancel"], true),
            "notice_period_days" => (&["notice", "notify", "in advance", "before", "prior"], true),
            "opt_out_window_days" => (&["opt out", "opt-out", "within", "reject"], true),
            "period_months" => (&["within", "filed", "commenced", "barred"], false),
            "lookback_months" => (&["preceding", "prior", "before", "past", "previous", "last"], false),
            "retention_days"
            | "post_deletion_retention_days"
            | "deletion_timeline_days"
            | "export_window_days"
            | "data_export_window_days"
            | "backup_retention_days" => {
                (&["retain", "retention", "stored", "store", "keep", "delet", "kept", "within", "after"], true)
            }
            "trial_length_days" => (&["trial"], true),
            "response_time_days" => (&["respond", "response", "within"], true),
            "appeal_window_days" => (&["appeal"], true),
            "pre_renewal_reminder_days" => (&["remind", "before"], true),
            "cancellation_deadline" => (&["before", "prior", "cancel"], false),
            "timeframe" => (&["notify", "within", "hours", "without undue delay"], false),
            "suspension_duration" => (&["suspend", "suspension"], false),
            _ => return None,
        })
    };
    for spec in &provision.attributes {
        let Some((cues, in_days)) = duration_attr(&spec.name) else { continue };
        // Without a cue word near it, a lone duration is taken only when the provision has no
        // other duration attribute it could belong to.
        let single_slot = provision.attributes.iter().filter(|a| duration_attr(&a.name).is_some()).count() == 1;
        let pick = durations.iter().find(|f| near(clause, f, cues, 50)).or(if durations.len() == 1 && single_slot {
            durations.first()
        } else {
            None
        });
        if let Some(f) = pick {
            let mut v = f.value.clone();
            if spec.name.ends_with("_months") {
                v["months"] = json!(((f.value["days"].as_f64().unwrap_or(0.0)) / 30.0 * 100.0).round() / 100.0);
            }
            let _ = in_days;
            put(&spec.name, "duration", v, f.start, f.end, &mut out);
        }
    }

    // Ages.
    let ages: Vec<&Fact> = facts.iter().filter(|f| f.kind == "age").collect();
    if wants("min_age") && !ages.is_empty() {
        let consent = has(&lower, &["parent", "guardian"]);
        let lowest = ages.iter().min_by_key(|f| f.value.as_u64().unwrap_or(99)).unwrap_or(&ages[0]);
        let highest = ages.iter().max_by_key(|f| f.value.as_u64().unwrap_or(0)).unwrap_or(&ages[0]);
        if consent && highest.value != lowest.value {
            // "at least 13, and under 18 only with a parent's consent"
            put("min_age", "age", lowest.value.clone(), lowest.start, lowest.end, &mut out);
            put("min_age_with_parental_consent", "age", lowest.value.clone(), lowest.start, lowest.end, &mut out);
            put("age_without_parental_consent", "age", highest.value.clone(), highest.start, highest.end, &mut out);
        } else if consent && near(clause, lowest, &["under", "below", "younger", "minor"], 30) {
            // "If you are under 18, you need your parent's permission": the age of consent-free
            // use, not the minimum age.
            put("age_without_parental_consent", "age", lowest.value.clone(), lowest.start, lowest.end, &mut out);
        } else {
            put("min_age", "age", lowest.value.clone(), lowest.start, lowest.end, &mut out);
        }
    }

    // Places and bodies.
    let places: Vec<&Fact> = facts.iter().filter(|f| f.kind == "place").collect();
    let place_for = |role: &str| places.iter().find(|f| f.value["role"] == role).copied();
    if wants("governing_law_jurisdiction") {
        if let Some(f) = place_for("law") {
            put("governing_law_jurisdiction", "place", json!(f.value["name"]), f.start, f.end, &mut out);
        }
    }
    if wants("forum_location") {
        if let Some(f) = place_for("courts") {
            put("forum_location", "place", json!(f.value["name"]), f.start, f.end, &mut out);
        }
    }
    if wants("seat_or_location") {
        if let Some(f) = place_for("seat") {
            put("seat_or_location", "place", json!(f.value["name"]), f.start, f.end, &mut out);
        }
    }
    if wants("arbitration_provider") {
        if let Some(f) = first("body") {
            put("arbitration_provider", "body", json!(f.value["name"]), f.start, f.end, &mut out);
        }
    }

    // Who controls what.
    if wants("controllable_settings") {
        if let Some((who, settings, s, e)) = controls(clause) {
            put(
                "controllable_settings",
                "control",
                json!({"controlled_by": who, "settings": settings}),
                s,
                e,
                &mut out,
            );
        }
    }

    // Yes/no properties the wording states outright.
    let yes_no: &[(&str, &[&str], &[&str])] = &[
        (
            "legal_carve_out",
            &[
                "required by law",
                "required by applicable law",
                "where the law",
                "statutory rights",
                "mandatory law",
                "permitted by law",
            ],
            &[],
        ),
        (
            "statutory_rights_preserved",
            &["statutory rights", "withdrawal", "consumer law", "required by law", "mandatory"],
            &[],
        ),
        ("pro_rata", &["pro rata", "pro-rata", "prorated", "pro-rated", "prorata"], &[]),
        ("opt_out_available", &["opt out", "opt-out", "turn off", "disable", "object"], &[]),
        ("sublicensable", &["sublicensable", "sub-licensable", "right to sublicense"], &["non-sublicensable"]),
        ("transferable", &["transferable"], &["non-transferable", "not transferable"]),
        (
            "notice_given",
            &["notify you", "notice to you", "advance notice", "prior notice", "we will let you know", "email you"],
            &["without notice", "without prior notice", "with or without notice"],
        ),
        (
            "reasons_required",
            &["if you", "for cause", "breach", "violat"],
            &["any reason", "no reason", "without cause", "sole discretion"],
        ),
        (
            "explicit_no_sale_statement",
            &["do not sell", "don't sell", "will not sell", "never sell", "does not sell"],
            &[],
        ),
        ("covers_ai_training", &["train", "machine learning", "improve our models"], &[]),
        (
            "human_review",
            &["human review", "reviewed by", "human reviewers", "authorized personnel", "employees", "contractors"],
            &[],
        ),
        ("applies_in_arbitration", &["class arbitration", "class-wide arbitration", "classwide arbitration"], &[]),
        ("includes_duty_to_defend", &["defend"], &[]),
        ("survives_termination", &["survive"], &[]),
        ("survives_account_closure", &["survive", "after you delete", "after termination"], &[]),
        (
            "consumer_home_law_preserved",
            &[
                "mandatory consumer",
                "country of residence",
                "where you live",
                "your home",
                "consumer protection laws of your",
            ],
            &[],
        ),
        (
            "consumer_home_court_preserved",
            &["where you live", "your country of residence", "your local", "place of residence", "your home"],
            &[],
        ),
        (
            "posting_only",
            &["by posting", "posting the", "post the updated", "post the revised", "updating the"],
            &["email", "notify you"],
        ),
        ("right_to_reject_or_terminate", &["stop using", "terminate", "close your account", "reject"], &[]),
        ("material_changes_only", &["material change", "material modification", "materially"], &[]),
        (
            "account_sharing_prohibited",
            &["not share", "share your account", "sharing your account", "not transfer"],
            &[],
        ),
        ("liable_for_unauthorized_use", &["responsible for all", "liable for all", "all activities"], &[]),
    ];
    for (name, yes, no) in yes_no {
        if !wants(name) && *name != "legal_carve_out" {
            continue;
        }
        if !wants(name) && !provision.attributes.iter().any(|a| a.kind == "boolean") {
            continue;
        }
        if has(&lower, no) {
            if wants(name) {
                put(name, "boolean", json!(false), whole.0, whole.1, &mut out);
            }
        } else if has(&lower, yes) && wants(name) {
            put(name, "boolean", json!(true), whole.0, whole.1, &mut out);
        }
    }
    if wants("territory") && lower.contains("worldwide") {
        put("territory", "text", json!("worldwide"), whole.0, whole.1, &mut out);
    }
    if wants("renewal_period") {
        let period = if has(&lower, &["monthly", "each month", "every month", "month-to-month"]) {
            Some("monthly")
        } else if has(&lower, &["annual", "yearly", "each year", "every year"]) {
            Some("annual")
        } else {
            None
        };
        if let Some(p) = period {
            put("renewal_period", "text", json!(p), whole.0, whole.1, &mut out);
        }
    }
    if wants("default_state") {
        if has(&lower, &["opt in", "opt-in", "only if you", "with your permission", "if you choose to share"]) {
            put("default_state", "text", json!("off (opt-in)"), whole.0, whole.1, &mut out);
        } else if has(&lower, &["opt out", "opt-out", "turn off", "unless you"]) {
            put("default_state", "text", json!("on"), whole.0, whole.1, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::taxonomy;

    fn attrs(provision: &str, text: &str) -> Vec<(String, Value)> {
        for_provision(taxonomy().get(provision).unwrap(), text).into_iter().map(|a| (a.name, a.value)).collect()
    }
    fn get(provision: &str, text: &str, name: &str) -> Option<Value> {
        attrs(provision, text).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(words_to_number("twenty-four"), Some(24));
        assert_eq!(words_to_number("one hundred and twenty"), Some(120));
        assert_eq!(words_to_number("a thousand"), Some(1000));
        assert_eq!(words_to_number("thirty"), Some(30));
        assert_eq!(words_to_number("apple"), None);
        assert_eq!(words_to_number("a six"), Some(6), "an article is not a number");
        assert_eq!(words_to_number("a"), None);
    }

    #[test]
    fn durations_in_words_digits_and_both() {
        let f = facts("within twenty-four (24) hours, or thirty days, or a 30-day window, or 12 months");
        let d: Vec<(u64, String)> = f
            .iter()
            .filter(|f| f.kind == "duration")
            .map(|f| (f.value["value"].as_u64().unwrap(), f.value["unit"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(d, vec![(24, "hours".into()), (30, "days".into()), (30, "days".into()), (12, "months".into())]);
    }

    #[test]
    fn amounts_with_currency() {
        let f = facts("between $10 and US$10,000, €5.50, 100 EUR, one hundred dollars, £2 million");
        let a: Vec<(f64, String)> = f
            .iter()
            .filter(|f| f.kind == "amount")
            .map(|f| (f.value["amount"].as_f64().unwrap(), f.value["currency"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(
            a,
            vec![
                (10.0, "USD".into()),
                (10000.0, "USD".into()),
                (5.5, "EUR".into()),
                (100.0, "EUR".into()),
                (100.0, "USD".into()),
                (2e6, "GBP".into())
            ]
        );
    }

    #[test]
    fn named_attributes() {
        assert_eq!(
            get(
                "governing_law",
                "These Terms are governed by the laws of the State of California, without regard to conflict of laws.",
                "governing_law_jurisdiction"
            ),
            Some(json!("California"))
        );
        assert_eq!(
            get("governing_law", "These Terms are governed by Irish law.", "governing_law_jurisdiction"),
            Some(json!("Irish"))
        );
        assert_eq!(
            get("exclusive_forum_jurisdiction", "Any dispute shall be brought exclusively in the state or federal courts located in San Francisco, California.", "forum_location"),
            Some(json!("San Francisco, California"))
        );
        assert_eq!(
            get(
                "binding_individual_arbitration",
                "Disputes will be resolved by binding arbitration administered by JAMS.",
                "arbitration_provider"
            ),
            Some(json!("JAMS"))
        );
        let age = "You must be at least 13 years old to use the Services, and if you are under 18 you need your parent or guardian's permission.";
        assert_eq!(get("minimum_age", age, "min_age"), Some(json!(13)));
        assert_eq!(get("minimum_age", age, "age_without_parental_consent"), Some(json!(18)));
        assert_eq!(
            get("arbitration_opt_out", "You may opt out within thirty (30) days of accepting.", "opt_out_window_days")
                .unwrap()["value"],
            json!(30)
        );
        let cap = "Our total liability shall not exceed the greater of the amount you paid in the twelve (12) months preceding the claim or $100.";
        assert_eq!(get("liability_cap", cap, "cap_amount").unwrap()["amount"], json!(100.0));
        assert_eq!(get("liability_cap", cap, "cap_basis"), Some(json!("greater of")));
        assert_eq!(get("liability_cap", cap, "lookback_months").unwrap()["value"], json!(12));
        let ctl =
            "Organization admins can control whether prompts are logged and whether data is used for model training.";
        assert_eq!(
            get("admin_data_usage_controls", ctl, "controllable_settings").unwrap()["controlled_by"],
            json!("organisation admins")
        );
    }

    #[test]
    fn hostile_clauses_do_not_panic() {
        for s in [
            "$",
            "$99999999999999999999999999999",
            "é years old 13",
            "twenty-twenty-twenty days",
            "laws of ",
            "€,,,,",
            "thousand thousand thousand thousand thousand thousand dollars",
        ] {
            for p in &taxonomy().provisions {
                let _ = for_provision(p, s);
            }
        }
    }
}
