//! `eval unfair-tos` and `train`: the UNFAIR-ToS classifier's scores and its reproducible training.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use clausewatch_analyze::model::TrainParams;
use clausewatch_analyze::{analysis, unfair};

#[derive(Debug, Serialize)]
pub struct Report {
    pub file: String,
    pub model: String,
    pub combination: Vec<String>,
    #[serde(flatten)]
    pub scores: unfair::Scores,
}

impl Report {
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "{:<26} {:>7} {:>7} {:>9} {:>10} {:>7}\n",
            "label", "support", "pred", "precision", "recall", "f1"
        ));
        for (l, how) in self.scores.per_label.iter().zip(&self.combination) {
            out.push_str(&format!(
                "{:<26} {:>7} {:>7} {:>9.3} {:>10.3} {:>7.3}   ({how})\n",
                l.label, l.support, l.predicted, l.precision, l.recall, l.f1
            ));
        }
        out.push_str(&format!("examples: {}\n", self.scores.examples));
        out.push_str(&format!(
            "strict: micro-F1 {:.3} macro-F1 {:.3}\n",
            self.scores.strict_micro_f1, self.scores.strict_macro_f1
        ));
        out.push_str(&format!(
            "lexglue: micro-F1 {:.3} macro-F1 {:.3}\n",
            self.scores.lexglue_micro_f1, self.scores.lexglue_macro_f1
        ));
        out.push_str(&format!("strict_micro_f1: {:.4}\n", self.scores.strict_micro_f1));
        out.push_str(&format!("strict_macro_f1: {:.4}\n", self.scores.strict_macro_f1));
        out.push_str(&format!("lexglue_micro_f1: {:.4}\n", self.scores.lexglue_micro_f1));
        out.push_str(&format!("lexglue_macro_f1: {:.4}\n", self.scores.lexglue_macro_f1));
        out.push_str(&format!("model: {}\n", self.model));
        out
    }
}

pub fn run(file: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let examples = unfair::parse_jsonl(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let model = analysis::model().ok_or_else(|| anyhow::anyhow!("the shipped UNFAIR-ToS model did not load"))?;
    let gold: Vec<Vec<usize>> = examples.iter().map(|e| e.labels.clone()).collect();
    let pred: Vec<Vec<usize>> = examples.iter().map(|e| unfair::predict_labels(model, &e.text)).collect();
    Ok(Report {
        file: file.display().to_string(),
        model: format!(
            "unfair-tos {} ({} terms, trained on {} sentences)",
            analysis::model_hash(),
            model.term_count(),
            model.header.training_examples
        ),
        combination: model.header.combination.clone(),
        scores: unfair::score(&gold, &pred, &unfair::LABELS),
    })
}

/// Trains with the fixed parameters and seed; writes OUT, or with `check` compares with it.
pub fn train(data: &Path, out: &Path, check: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(data).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", data.display()))?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| anyhow::anyhow!("{} is not UTF-8", data.display()))?;
    let examples = unfair::parse_jsonl(&text).map_err(|e| anyhow::anyhow!("{}: {e}", data.display()))?;
    let started = std::time::Instant::now();
    let model = unfair::train_model(&examples, &TrainParams::default(), blake3::hash(&bytes).to_hex().to_string());
    let trained = model.to_bytes();
    println!("examples: {}", examples.len());
    println!("terms: {}", model.term_count());
    println!("thresholds: {:?}", model.header.thresholds);
    println!("combination: {:?}", model.header.combination);
    println!("model_bytes: {}", trained.len());
    println!("model_hash: {}", &blake3::hash(&trained).to_hex()[..12]);
    println!("train_secs: {:.1}", started.elapsed().as_secs_f64());
    if check {
        let existing = std::fs::read(out).unwrap_or_default();
        let same = existing == trained;
        println!("reproduced: {}", if same { "yes" } else { "no" });
        return Ok(if same { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    let tmp = out.with_extension("model.tmp");
    std::fs::write(&tmp, &trained)?;
    std::fs::rename(&tmp, out)?;
    println!("written: {}", out.display());
    Ok(ExitCode::SUCCESS)
}
