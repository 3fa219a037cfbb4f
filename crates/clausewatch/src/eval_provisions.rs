//! `eval provisions`: per-provision precision and recall on hand-labelled clauses.
//!
//! The labels (`crates/clausewatch-analyze/data/provisions-labels.tsv`) are clauses read from
//! Open Terms Archive versions and labelled by hand: `yes` (the clause expresses the provision)
//! or `no` (a near miss that does not). The `dev` split comes from the services we read while
//! writing the rules; the `test` split from services we did not, and is what we report.
//! Each clause is analysed under its section heading, as in a real document.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

const LABELS: &str = include_str!("../../clausewatch-analyze/data/provisions-labels.tsv");

#[derive(Debug, Serialize, Default, Clone)]
pub struct ProvisionScore {
    pub provision: String,
    pub labelled_yes: usize,
    pub labelled_no: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: f64,
    pub recall: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub split: String,
    pub labels: usize,
    pub services: usize,
    pub provisions: Vec<ProvisionScore>,
    pub micro_precision: f64,
    pub micro_recall: f64,
    pub macro_precision: f64,
    pub macro_recall: f64,
    pub errors: Vec<String>,
}

impl Report {
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{:<40} {:>4} {:>4} {:>4} {:>4} {:>4} {:>6} {:>6}\n",
            "provision", "yes", "no", "tp", "fp", "fn", "prec", "recall"
        ));
        for p in &self.provisions {
            out.push_str(&format!(
                "{:<40} {:>4} {:>4} {:>4} {:>4} {:>4} {:>6.2} {:>6.2}\n",
                p.provision,
                p.labelled_yes,
                p.labelled_no,
                p.true_positives,
                p.false_positives,
                p.false_negatives,
                p.precision,
                p.recall
            ));
        }
        for e in &self.errors {
            out.push_str(&format!("  {e}\n"));
        }
        out.push_str(&format!(
            "split: {}\nlabels: {}\nservices: {}\nprovisions: {}\nmicro_precision: {:.3}\nmicro_recall: {:.3}\nmacro_precision: {:.3}\nmacro_recall: {:.3}\n",
            self.split,
            self.labels,
            self.services,
            self.provisions.len(),
            self.micro_precision,
            self.micro_recall,
            self.macro_precision,
            self.macro_recall
        ));
        out
    }
}

pub struct Label {
    pub split: String,
    pub service: String,
    pub document: String,
    pub section: String,
    pub provision: String,
    pub yes: bool,
    pub clause: String,
}

pub fn parse(tsv: &str) -> Result<Vec<Label>, String> {
    let tax = clausewatch_analyze::taxonomy::taxonomy();
    let mut out = Vec::new();
    for (n, line) in tsv.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() || line.starts_with("split\t") {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 7 {
            return Err(format!("line {}: 7 tab-separated columns expected, found {}", n + 1, cols.len()));
        }
        if tax.get(cols[4]).is_none() {
            return Err(format!("line {}: unknown provision {:?}", n + 1, cols[4]));
        }
        let yes = match cols[5] {
            "yes" => true,
            "no" => false,
            other => return Err(format!("line {}: label must be yes or no, not {other:?}", n + 1)),
        };
        out.push(Label {
            split: cols[0].to_string(),
            service: cols[1].to_string(),
            document: cols[2].to_string(),
            section: cols[3].to_string(),
            provision: cols[4].to_string(),
            yes,
            clause: cols[6].to_string(),
        });
    }
    Ok(out)
}

pub fn run(labels: Option<&Path>, dev: bool) -> anyhow::Result<Report> {
    let text = match labels {
        Some(p) => std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
        None => LABELS.to_string(),
    };
    let split = if dev { "dev" } else { "test" };
    let labels: Vec<Label> =
        parse(&text).map_err(anyhow::Error::msg)?.into_iter().filter(|l| l.split == split).collect();
    let mut scores: BTreeMap<String, ProvisionScore> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut services: Vec<&str> = Vec::new();
    for l in &labels {
        if !services.contains(&l.service.as_str()) {
            services.push(&l.service);
        }
        let md = if l.section.is_empty() { l.clause.clone() } else { format!("## {}\n\n{}\n", l.section, l.clause) };
        let a = clausewatch_analyze::analyze(&md, &l.service);
        let found = a.findings.iter().any(|f| f.provision == l.provision);
        let s = scores
            .entry(l.provision.clone())
            .or_insert_with(|| ProvisionScore { provision: l.provision.clone(), ..Default::default() });
        match (l.yes, found) {
            (true, true) => s.true_positives += 1,
            (true, false) => {
                s.false_negatives += 1;
                errors.push(format!(
                    "missed {} ({} / {}): {}",
                    l.provision,
                    l.service,
                    l.document,
                    crate::analyze::clip(&l.clause, 140)
                ));
            }
            (false, true) => {
                s.false_positives += 1;
                errors.push(format!(
                    "wrongly {} ({} / {}): {}",
                    l.provision,
                    l.service,
                    l.document,
                    crate::analyze::clip(&l.clause, 140)
                ));
            }
            (false, false) => {}
        }
        if l.yes {
            s.labelled_yes += 1;
        } else {
            s.labelled_no += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    for s in scores.values_mut() {
        s.precision = ratio(s.true_positives, s.true_positives + s.false_positives);
        s.recall = ratio(s.true_positives, s.true_positives + s.false_negatives);
    }
    let (tp, fp, fnn) = scores
        .values()
        .fold((0, 0, 0), |(a, b, c), s| (a + s.true_positives, b + s.false_positives, c + s.false_negatives));
    let with_yes: Vec<&ProvisionScore> = scores.values().filter(|s| s.labelled_yes > 0).collect();
    let n = with_yes.len().max(1) as f64;
    Ok(Report {
        split: split.into(),
        labels: labels.len(),
        services: services.len(),
        micro_precision: ratio(tp, tp + fp),
        micro_recall: ratio(tp, tp + fnn),
        macro_precision: with_yes.iter().map(|s| s.precision).sum::<f64>() / n,
        macro_recall: with_yes.iter().map(|s| s.recall).sum::<f64>() / n,
        provisions: scores.into_values().collect(),
        errors,
    })
}
