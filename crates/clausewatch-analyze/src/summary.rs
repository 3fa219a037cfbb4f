//! The summary a reader sees first: findings grouped by theme, one plain sentence per
//! provision with the quantities, conditions and exceptions the text gives. Every sentence
//! lists the findings (and so the quotes) it rests on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::Finding;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub themes: Vec<Theme>,
    /// The whole summary as one text, themes in order.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    pub theme: String,
    pub sentences: Vec<Sentence>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub text: String,
    pub provision: String,
    /// Indices into the analysis's findings: the quotes this sentence rests on.
    pub findings: Vec<usize>,
}

pub const THEMES: [(&str, &[&str]); 6] = [
    ("Access and payment", &["payments"]),
    ("Termination and changes", &["termination", "changes_to_terms"]),
    ("User content and data", &["content_and_ip", "ai_specific", "privacy_and_data"]),
    ("Disputes", &["dispute_resolution"]),
    ("Liability", &["liability"]),
    ("Eligibility and use", &["eligibility", "acceptable_use_and_account", "platform_governance", "miscellaneous"]),
];

/// Attribute values of one provision, merged over its findings (the first value found wins).
struct Facts<'a>(BTreeMap<&'a str, &'a Value>);

impl Facts<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).copied()
    }
    fn yes(&self, name: &str) -> bool {
        self.get(name).and_then(Value::as_bool) == Some(true)
    }
    fn no(&self, name: &str) -> bool {
        self.get(name).and_then(Value::as_bool) == Some(false)
    }
    fn text(&self, name: &str) -> Option<String> {
        let v = self.get(name)?;
        Some(match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Object(o) if o.contains_key("amount") => money(v),
            Value::Object(o) if o.contains_key("unit") => duration(v),
            Value::Object(o) if o.contains_key("settings") => {
                let s: Vec<&str> =
                    o["settings"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                s.join(", ")
            }
            _ => return None,
        })
    }
}

fn money(v: &Value) -> String {
    let amount = v["amount"].as_f64().unwrap_or(0.0);
    let n = if amount.fract() == 0.0 { group(amount as u64) } else { format!("{amount:.2}") };
    match v["currency"].as_str().unwrap_or("") {
        "USD" => format!("${n}"),
        "EUR" => format!("€{n}"),
        "GBP" => format!("£{n}"),
        c => format!("{n} {c}"),
    }
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration(v: &Value) -> String {
    let n = v["value"].as_u64().unwrap_or(0);
    let unit = v["unit"].as_str().unwrap_or("days");
    let unit = if n == 1 { unit.trim_end_matches('s') } else { unit };
    match v["calendar"].as_str() {
        Some(c) => format!("{n} {c} {unit}"),
        None => format!("{n} {unit}"),
    }
}

fn opt(prefix: &str, v: Option<String>, suffix: &str) -> String {
    v.map(|v| format!("{prefix}{v}{suffix}")).unwrap_or_default()
}

/// One sentence for one provision, in Clausewatch's own words.
fn sentence(id: &str, f: &Facts, who: &str) -> String {
    let carve = if f.yes("legal_carve_out") { " except where the law requires otherwise" } else { "" };
    match id {
        "prepaid_credits" => {
            let limits = match (f.text("min_purchase_amount"), f.text("max_purchase_amount")) {
                (Some(a), Some(b)) => format!(" ({a} minimum, {b} maximum per purchase)"),
                (Some(a), None) => format!(" ({a} minimum per purchase)"),
                (None, Some(b)) => format!(" ({b} maximum per purchase)"),
                _ => String::new(),
            };
            format!(
                "Usage is paid for with prepaid credits{limits}{}.",
                opt("; credits expire after ", f.text("expiry_period"), "")
            )
        }
        "crypto_payment_non_refundable" => "Cryptocurrency payments are final and cannot be refunded.".into(),
        "refund_window" => format!(
            "Refunds can be requested{}{}.",
            opt(" within ", f.text("refund_window_days"), ""),
            if f.yes("pro_rata") { " on a pro-rata basis" } else { "" }
        ),
        "no_refund_policy" => format!("Payments are non-refundable{carve}."),
        "auto_renewal_subscription" => format!(
            "Subscriptions renew automatically{} until cancelled{}.",
            opt(" on a ", f.text("renewal_period"), " basis"),
            opt("; a free trial lasts ", f.text("trial_length_days"), "")
        ),
        "unilateral_price_change" => {
            format!("{who} may change its prices{}.", opt(" with ", f.text("notice_period_days"), " notice"))
        }
        "payment_dispute_account_action" => {
            format!("{who} may act against an account when a payment fails or is disputed.")
        }
        "termination_at_provider_discretion" => format!(
            "{who} may suspend or terminate accounts{}{}.",
            if f.no("reasons_required") { " at its discretion, for any reason" } else { "" },
            if f.no("notice_given") { " without notice" } else { "" }
        ),
        "suspension_for_specified_reasons" => {
            format!("{who} may suspend or close accounts for stated reasons such as breach of the terms.")
        }
        "user_right_to_terminate" => "Users can close their account or cancel at any time.".into(),
        "post_termination_data_handling" => format!(
            "After an account is closed, its data is handled as the terms set out{}.",
            opt(" (", f.text("deletion_timeline_days").or(f.text("export_window_days")), ")")
        ),
        "service_modification_or_discontinuation" => {
            format!("{who} may change or discontinue features of the service.")
        }
        "unilateral_change_without_notice" => format!(
            "{who} may change these terms{}; continued use can bind users to the new version.",
            if f.yes("posting_only") { " by posting a new version" } else { "" }
        ),
        "change_with_advance_notice" => format!(
            "{who} gives notice of changes to the terms{}{}.",
            opt(" ", f.text("notice_period_days"), " in advance"),
            if f.yes("material_changes_only") { " for material changes" } else { "" }
        ),
        "acceptance_by_continued_use" => "Using the service counts as accepting the terms.".into(),
        "binding_individual_arbitration" => format!(
            "Disputes go to binding individual arbitration{}{}.",
            opt(" (", f.text("arbitration_provider"), ")"),
            opt(" seated in ", f.text("seat_or_location"), "")
        ),
        "arbitration_opt_out" => {
            format!("Users may opt out of arbitration{}.", opt(" within ", f.text("opt_out_window_days"), ""))
        }
        "class_action_waiver" => "Users waive class and representative actions.".into(),
        "jury_trial_waiver" => "Users give up a jury trial.".into(),
        "governing_law" => format!(
            "Governing law: {}.",
            f.text("governing_law_jurisdiction").unwrap_or_else(|| "as stated in the terms".into())
        ),
        "exclusive_forum_jurisdiction" => {
            format!("Court proceedings must be brought{}.", opt(" in the courts of ", f.text("forum_location"), ""))
                .replace("brought.", "brought in the courts the terms name.")
        }
        "shortened_limitation_period" => {
            format!("Claims must be brought{}.", opt(" within ", f.text("period_months"), ""))
                .replace("brought.", "brought within a shortened period.")
        }
        "warranty_disclaimer" => format!("{who} provides the service as is and disclaims warranties{carve}."),
        "liability_cap" => {
            let cap = match (f.text("cap_basis").as_deref(), f.text("cap_amount")) {
                (Some("greater of"), Some(a)) => {
                    format!(" at the greater of fees paid{} or {a}", opt(" in ", f.text("lookback_months"), ""))
                }
                (Some("lesser of"), Some(a)) => {
                    format!(" at the lesser of fees paid{} or {a}", opt(" in ", f.text("lookback_months"), ""))
                }
                (Some("fees paid"), _) => format!(" at the fees paid{}", opt(" in ", f.text("lookback_months"), "")),
                (_, Some(a)) => format!(" at {a}"),
                _ => String::new(),
            };
            format!("{who} caps its liability{cap}.")
        }
        "consequential_damages_exclusion" => {
            format!("{who} excludes liability for indirect and consequential losses{carve}.")
        }
        "user_indemnification" => format!(
            "Users must indemnify {who}{} against claims arising from their use.",
            if f.yes("includes_duty_to_defend") { " (and defend it)" } else { "" }
        ),
        "user_retains_content_ownership" => "Users keep ownership of the content they provide.".into(),
        "broad_content_license" => format!(
            "Users grant {who} a{} licence to their content{}.",
            if f.get("territory").is_some() { " worldwide" } else { "" },
            if f.yes("sublicensable") { " that it may sublicense" } else { "" }
        ),
        "perpetual_irrevocable_license" => format!("The licence users grant {who} is perpetual or irrevocable."),
        "moral_rights_waiver" => "Users waive or agree not to assert moral rights.".into(),
        "feedback_ownership" => format!("{who} may use feedback freely, without compensation."),
        "content_removal_at_discretion" => format!("{who} may remove user content at its discretion."),
        "ai_output_ownership" => "Users own the outputs they generate, as far as the law allows.".into(),
        "ai_training_on_user_data" => format!(
            "User data may be used to train or improve models{}{}.",
            opt(" (default: ", f.text("default_state"), ")"),
            if f.yes("opt_out_available") { "; users can opt out" } else { "" }
        ),
        "admin_data_usage_controls" => match f.get("controllable_settings") {
            Some(v) => format!(
                "{} control {}.",
                capitalise(v["controlled_by"].as_str().unwrap_or("organisation admins")),
                f.text("controllable_settings").unwrap_or_default()
            ),
            None => "Organisation admins control how members' data is used.".into(),
        },
        "zero_data_retention" => "Zero data retention is available: prompts and outputs are not stored.".into(),
        "abuse_monitoring_retention_and_review" => format!(
            "Content is monitored for abuse{}{}.",
            opt(" and kept for ", f.text("retention_days"), ""),
            if f.yes("human_review") { ", with human review" } else { "" }
        ),
        "ai_output_accuracy_disclaimer" => "AI outputs may be inaccurate and must be checked before use.".into(),
        "ai_interaction_disclosure" => "AI-generated content or interactions must be disclosed or labelled.".into(),
        "ai_usage_policy_prohibited_uses" => "A usage policy forbids specific harmful uses of the AI services.".into(),
        "no_competing_model_development" => "Outputs may not be used to develop competing models.".into(),
        "high_stakes_use_human_review" => "High-stakes uses require human review.".into(),
        "personal_data_collection_scope" => format!("{who} collects personal data as the policy lists."),
        "legal_basis_and_consent" => {
            "Processing rests on stated legal bases, including consent that can be withdrawn.".into()
        }
        "sale_of_personal_data" => {
            if f.yes("explicit_no_sale_statement") {
                format!("{who} states that it does not sell personal data.")
            } else {
                "The policy addresses selling or sharing personal data.".into()
            }
        }
        "third_party_data_sharing" => {
            format!("{who} shares personal data with third parties such as service providers.")
        }
        "targeted_advertising_profiling" => "Data is used for personalised advertising or profiling.".into(),
        "cookies_and_tracking" => "Cookies and similar tracking technologies are used.".into(),
        "data_retention_period" => format!("Personal data is retained{}.", opt(" for ", f.text("retention_days"), ""))
            .replace("retained.", "for the periods the policy sets."),
        "data_subject_rights" => "Users have rights over their data (access, correction, deletion and others).".into(),
        "international_data_transfers" => "Data may be transferred to other countries under stated safeguards.".into(),
        "business_transfer_of_data" => "Data may pass to a buyer in a merger, acquisition or sale of assets.".into(),
        "government_requests_disclosure" => {
            format!("{who} may disclose data to authorities in response to legal requests.")
        }
        "sensitive_data_processing" => {
            "Sensitive data (such as health, biometrics or precise location) is processed.".into()
        }
        "automated_decision_making" => "Automated decision-making is addressed.".into(),
        "breach_notification" => {
            format!("{who} addresses data breach notification{}.", opt(" within ", f.text("timeframe"), ""))
        }
        "marketing_communications" => "Marketing messages can be declined or unsubscribed from.".into(),
        "prohibited_conduct_general" => "A list of prohibited conduct applies.".into(),
        "automated_access_prohibited" => "Scraping and automated access are prohibited.".into(),
        "rate_limits_throttling" => format!("{who} applies usage and rate limits."),
        "account_security_responsibility" => "Users are responsible for their account's security and activity.".into(),
        "fines_for_violations" => {
            format!("Violations can lead to fines or penalties{}.", opt(" of ", f.text("amount"), ""))
        }
        "minimum_age" => match (f.text("min_age"), f.text("age_without_parental_consent")) {
            (Some(a), Some(b)) => format!("Minimum age: {a} ({b} without parental consent)."),
            (Some(a), None) => format!("Minimum age: {a}."),
            (None, Some(b)) => format!("Users under {b} need parental consent."),
            _ => "A minimum age applies.".into(),
        },
        "real_identity_requirement" => "Users must give accurate identity information.".into(),
        "content_moderation_and_appeals" => "Content moderation decisions can be reported and appealed.".into(),
        "recommender_ranking_transparency" => {
            "The main parameters of ranking and recommendations are explained.".into()
        }
        "assignment_by_provider" => format!("{who} may transfer the agreement to another company."),
        other => format!("Provision: {other}."),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub fn summarize(findings: &[Finding], subject: &str) -> Summary {
    let who = if subject.trim().is_empty() { "The provider" } else { subject.trim() };
    let mut themes = Vec::new();
    for (theme, categories) in THEMES {
        // Provisions in first-appearance order within the theme.
        let mut order: Vec<&str> = Vec::new();
        for f in findings.iter().filter(|f| categories.contains(&f.category.as_str())) {
            if !order.contains(&f.provision.as_str()) {
                order.push(&f.provision);
            }
        }
        let sentences: Vec<Sentence> = order
            .into_iter()
            .map(|id| {
                let idx: Vec<usize> =
                    findings.iter().enumerate().filter(|(_, f)| f.provision == id).map(|(i, _)| i).collect();
                let mut facts = BTreeMap::new();
                for &i in &idx {
                    for a in &findings[i].attributes {
                        facts.entry(a.name.as_str()).or_insert(&a.value);
                    }
                }
                Sentence { text: sentence(id, &Facts(facts), who), provision: id.to_string(), findings: idx }
            })
            .collect();
        if !sentences.is_empty() {
            themes.push(Theme { theme: theme.to_string(), sentences });
        }
    }
    let text = themes
        .iter()
        .map(|t| format!("{}: {}", t.theme, t.sentences.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")))
        .collect::<Vec<_>>()
        .join("\n");
    Summary { themes, text }
}
