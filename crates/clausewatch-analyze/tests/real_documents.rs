//! The analyser on real terms (Open Terms Archive versions, see fixtures/README.md): every
//! asserted finding and attribute value was checked against the text by reading it.

use clausewatch_analyze::{analyze, Analysis, Finding};
use serde_json::{json, Value};

fn doc(name: &str, subject: &str) -> (String, Analysis) {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let md = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let a = analyze(&md, subject);
    (md, a)
}

fn findings<'a>(a: &'a Analysis, provision: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.provision == provision).collect()
}

/// The provision is found, and every finding's quote is the text at its offsets.
#[track_caller]
fn has(md: &str, a: &Analysis, provision: &str) {
    let found = findings(a, provision);
    assert!(!found.is_empty(), "{provision} not found");
    for f in found {
        assert_eq!(&md[f.anchor.start..f.anchor.end], f.quote, "{provision}: quote matches its offsets");
    }
}

/// Some finding of the provision carries this attribute value.
#[track_caller]
fn attr(a: &Analysis, provision: &str, name: &str, expected: Value) {
    let values: Vec<&Value> = findings(a, provision)
        .iter()
        .flat_map(|f| f.attributes.iter())
        .filter(|x| x.name == name)
        .map(|x| &x.value)
        .collect();
    let matches = |v: &Value| match (&expected, v) {
        // Durations and amounts: compare the fields the expectation names.
        (Value::Object(e), Value::Object(o)) => e.iter().all(|(k, ev)| o.get(k) == Some(ev)),
        _ => *v == expected,
    };
    assert!(values.iter().any(|v| matches(v)), "{provision}.{name}: expected {expected}, found {values:?}");
}

fn days(n: u64) -> Value {
    json!({"value": n, "unit": "days"})
}

#[test]
fn chatgpt_terms() {
    let (md, a) = doc("chatgpt-terms-2026-07-26.md", "OpenAI");
    for p in [
        "minimum_age",
        "refund_window",
        "unilateral_price_change",
        "change_with_advance_notice",
        "liability_cap",
        "governing_law",
        "exclusive_forum_jurisdiction",
        "ai_training_on_user_data",
        "ai_output_ownership",
        "no_competing_model_development",
        "feedback_ownership",
        "ai_output_accuracy_disclaimer",
        "assignment_by_provider",
        "user_indemnification",
        "content_removal_at_discretion",
        "account_security_responsibility",
    ] {
        has(&md, &a, p);
    }
    attr(&a, "minimum_age", "min_age", json!(13));
    attr(&a, "minimum_age", "age_without_parental_consent", json!(18));
    attr(&a, "refund_window", "refund_window_days", days(14));
    attr(&a, "unilateral_price_change", "notice_period_days", days(30));
    attr(&a, "change_with_advance_notice", "notice_period_days", days(30));
    attr(&a, "liability_cap", "cap_amount", json!({"amount": 100.0, "currency": "USD"}));
    attr(&a, "liability_cap", "cap_basis", json!("greater of"));
    attr(&a, "liability_cap", "lookback_months", json!({"value": 12, "unit": "months"}));
    attr(&a, "governing_law", "governing_law_jurisdiction", json!("California"));
    attr(&a, "exclusive_forum_jurisdiction", "forum_location", json!("San Francisco, California"));
    attr(&a, "ai_training_on_user_data", "opt_out_available", json!(true));
    // The summary carries the quantities, grouped by theme, each sentence citing its findings.
    let text = &a.summary.text;
    assert!(text.contains("Minimum age: 13 (18 without parental consent)."), "{text}");
    assert!(text.contains("caps its liability at the greater of fees paid in 12 months or $100"), "{text}");
    assert!(text.contains("Governing law: California."), "{text}");
    for theme in &a.summary.themes {
        for s in &theme.sentences {
            assert!(!s.findings.is_empty() && s.findings.iter().all(|&i| a.findings[i].provision == s.provision));
        }
    }
}

#[test]
fn le_chat_terms_numbers_in_words() {
    let (md, a) = doc("lechat-terms-2026-06-15.md", "Mistral AI");
    for p in [
        "minimum_age",
        "unilateral_price_change",
        "refund_window",
        "change_with_advance_notice",
        "governing_law",
        "ai_output_ownership",
        "broad_content_license",
        "no_refund_policy",
    ] {
        has(&md, &a, p);
    }
    // "at least thirteen (13) years old", "thirty (30) days' notice", "fourteen (14) days".
    attr(&a, "minimum_age", "min_age", json!(13));
    attr(&a, "unilateral_price_change", "notice_period_days", days(30));
    attr(&a, "refund_window", "refund_window_days", days(14));
    attr(&a, "change_with_advance_notice", "notice_period_days", days(30));
    attr(&a, "governing_law", "governing_law_jurisdiction", json!("French"));
    attr(&a, "broad_content_license", "territory", json!("worldwide"));
    attr(&a, "no_refund_policy", "legal_carve_out", json!(true));
}

#[test]
fn qwen_terms() {
    let (md, a) = doc("qwen-terms-2026-07-08.md", "Qwen");
    for p in [
        "minimum_age",
        "shortened_limitation_period",
        "governing_law",
        "exclusive_forum_jurisdiction",
        "perpetual_irrevocable_license",
        "moral_rights_waiver",
        "user_retains_content_ownership",
        "automated_access_prohibited",
        "warranty_disclaimer",
    ] {
        has(&md, &a, p);
    }
    attr(&a, "minimum_age", "min_age", json!(18));
    attr(&a, "shortened_limitation_period", "period_months", json!({"value": 1, "unit": "years"}));
    attr(&a, "governing_law", "governing_law_jurisdiction", json!("Singapore"));
    attr(&a, "exclusive_forum_jurisdiction", "forum_location", json!("Singapore"));
    attr(&a, "broad_content_license", "territory", json!("worldwide"));
    attr(&a, "broad_content_license", "sublicensable", json!(true));
}

#[test]
fn deepseek_terms() {
    let (md, a) = doc("deepseek-terms-2026-03-27.md", "DeepSeek");
    for p in ["liability_cap", "governing_law", "ai_training_on_user_data", "minimum_age"] {
        has(&md, &a, p);
    }
    attr(&a, "liability_cap", "cap_amount", json!({"amount": 100.0, "currency": "USD"}));
    attr(&a, "liability_cap", "cap_basis", json!("greater of"));
    attr(&a, "liability_cap", "lookback_months", json!({"value": 12, "unit": "months"}));
    attr(&a, "governing_law", "governing_law_jurisdiction", json!("People's Republic of China"));
    attr(&a, "ai_training_on_user_data", "opt_out_available", json!(true));
}

#[test]
fn bumble_terms() {
    let (md, a) = doc("bumble-terms-2026-06-18.md", "Bumble");
    for p in [
        "minimum_age",
        "refund_window",
        "no_refund_policy",
        "auto_renewal_subscription",
        "liability_cap",
        "arbitration_opt_out",
        "binding_individual_arbitration",
        "class_action_waiver",
        "jury_trial_waiver",
        "governing_law",
        "exclusive_forum_jurisdiction",
        "content_moderation_and_appeals",
        "recommender_ranking_transparency",
        "user_indemnification",
    ] {
        has(&md, &a, p);
    }
    attr(&a, "minimum_age", "min_age", json!(18));
    attr(&a, "refund_window", "refund_window_days", days(14));
    attr(&a, "liability_cap", "cap_amount", json!({"amount": 100.0, "currency": "USD"}));
    attr(&a, "arbitration_opt_out", "opt_out_window_days", days(31));
    attr(&a, "governing_law", "governing_law_jurisdiction", json!("Texas"));
    attr(&a, "exclusive_forum_jurisdiction", "forum_location", json!("Travis County, Texas"));
    // "within a six-month period": an article before a number word is not a number.
    attr(&a, "content_moderation_and_appeals", "appeal_window_days", json!({"value": 6, "unit": "months"}));
}

#[test]
fn tiktok_terms() {
    let (md, a) = doc("tiktok-terms-2026-07-15.md", "TikTok");
    for p in ["minimum_age", "liability_cap", "governing_law", "broad_content_license"] {
        has(&md, &a, p);
    }
    attr(&a, "minimum_age", "min_age", json!(13));
    // "exceed the greater of $100 or the amount you have paid us in the past 12 months"
    attr(&a, "liability_cap", "cap_amount", json!({"amount": 100.0, "currency": "USD"}));
    attr(&a, "liability_cap", "cap_basis", json!("greater of"));
    attr(&a, "liability_cap", "lookback_months", json!({"value": 12, "unit": "months"}));
    attr(&a, "governing_law", "governing_law_jurisdiction", json!("California"));
}

#[test]
fn analysis_is_deterministic_and_names_its_analyser() {
    let (_, a) = doc("qwen-terms-2026-07-08.md", "Qwen");
    let (_, b) = doc("qwen-terms-2026-07-08.md", "Qwen");
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    assert!(a.analyzer.contains("+rules.") && a.analyzer.contains("+model."));
}
