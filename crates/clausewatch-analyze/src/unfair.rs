//! UNFAIR-ToS (LexGLUE): reading the data, training the shipped model with thresholds chosen
//! by cross-validation on train, and the two scorings (strict 8 labels; LexGLUE's 9 columns).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{LinearModel, TrainParams};

/// LexGLUE's label order.
pub const LABELS: [&str; 8] = [
    "Limitation of liability",
    "Unilateral termination",
    "Unilateral change",
    "Content removal",
    "Contract by using",
    "Choice of law",
    "Jurisdiction",
    "Arbitration",
];

/// Largest data file read (the real train split is 1.6 MB).
const MAX_DATA_BYTES: usize = 256 << 20;

#[derive(Clone, Debug)]
pub struct Example {
    pub text: String,
    pub labels: Vec<usize>,
    pub doc: String,
}

#[derive(Deserialize)]
struct Line {
    text: String,
    #[serde(default)]
    label_ids: Option<Vec<i64>>,
    #[serde(default)]
    labels: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    doc: Option<String>,
}

/// Parses a LexGLUE-style JSON-lines file: `text` plus `label_ids` (0–7) or `labels` (names or
/// indices). Errors name the line.
pub fn parse_jsonl(data: &str) -> Result<Vec<Example>, String> {
    if data.len() > MAX_DATA_BYTES {
        return Err(format!("data file is larger than {} MB", MAX_DATA_BYTES >> 20));
    }
    let mut out = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let mut labels = BTreeSet::new();
        if let Some(ids) = l.label_ids {
            for id in ids {
                if !(0..8).contains(&id) {
                    return Err(format!("line {}: label id {id} is not 0–7", n + 1));
                }
                labels.insert(id as usize);
            }
        } else if let Some(names) = l.labels {
            for v in names {
                let idx = match &v {
                    serde_json::Value::Number(x) => x.as_u64().map(|x| x as usize).filter(|x| *x < 8),
                    serde_json::Value::String(s) => LABELS.iter().position(|l| l.eq_ignore_ascii_case(s)),
                    _ => None,
                };
                labels.insert(idx.ok_or_else(|| format!("line {}: unknown label {v}", n + 1))?);
            }
        }
        out.push(Example { text: l.text, labels: labels.into_iter().collect(), doc: l.doc.unwrap_or_default() });
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LabelScore {
    pub label: String,
    pub support: usize,
    pub predicted: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Scores {
    pub per_label: Vec<LabelScore>,
    pub strict_micro_f1: f64,
    pub strict_macro_f1: f64,
    pub lexglue_micro_f1: f64,
    pub lexglue_macro_f1: f64,
    pub examples: usize,
}

fn prf(tp: usize, pred: usize, gold: usize) -> (f64, f64, f64) {
    // sklearn's zero_division=0 convention.
    let p = if pred == 0 { 0.0 } else { tp as f64 / pred as f64 };
    let r = if gold == 0 { 0.0 } else { tp as f64 / gold as f64 };
    let f = if tp == 0 { 0.0 } else { 2.0 * tp as f64 / (pred + gold) as f64 };
    (p, r, f)
}

/// Scores multi-label predictions against gold. `strict` is micro / macro F1 over the 8 labels.
/// `lexglue` is computed as LexGLUE's published `experiments/unfair_tos.py` does: a 9th column
/// is added that is 1 where the gold sentence has any label, the same column is copied into the
/// predictions (so it always agrees), and micro / macro F1 are taken over the 9 columns.
pub fn score(gold: &[Vec<usize>], pred: &[Vec<usize>], labels: &[&str]) -> Scores {
    let k = labels.len();
    let mut tp = vec![0usize; k + 1];
    let mut np = vec![0usize; k + 1];
    let mut ng = vec![0usize; k + 1];
    for (g, p) in gold.iter().zip(pred) {
        for l in 0..k {
            let (gi, pi) = (g.contains(&l), p.contains(&l));
            tp[l] += (gi && pi) as usize;
            np[l] += pi as usize;
            ng[l] += gi as usize;
        }
        // The 9th column comes from gold on both sides (the script reads `label_ids` twice).
        let _ = p;
        let any = !g.is_empty();
        tp[k] += any as usize;
        np[k] += any as usize;
        ng[k] += any as usize;
    }
    let per_label: Vec<LabelScore> = (0..k)
        .map(|l| {
            let (precision, recall, f1) = prf(tp[l], np[l], ng[l]);
            LabelScore {
                label: labels[l].to_string(),
                support: ng[l],
                predicted: np[l],
                true_positives: tp[l],
                precision,
                recall,
                f1,
            }
        })
        .collect();
    let micro = |n: usize| {
        let (t, p, g) = (tp[..n].iter().sum(), np[..n].iter().sum(), ng[..n].iter().sum());
        prf(t, p, g).2
    };
    let macro_ = |n: usize| (0..n).map(|l| prf(tp[l], np[l], ng[l]).2).sum::<f64>() / n.max(1) as f64;
    Scores {
        per_label,
        strict_micro_f1: micro(k),
        strict_macro_f1: macro_(k),
        lexglue_micro_f1: micro(k + 1),
        lexglue_macro_f1: macro_(k + 1),
        examples: gold.len(),
    }
}

/// Folds grouped by source document, so no document's sentences sit on both sides.
pub fn group_folds(examples: &[Example], k: usize) -> Vec<usize> {
    let docs: BTreeSet<&str> = examples.iter().map(|e| e.doc.as_str()).collect();
    let doc_fold: std::collections::HashMap<&str, usize> =
        docs.into_iter().enumerate().map(|(i, d)| (d, i % k)).collect();
    examples.iter().map(|e| doc_fold[e.doc.as_str()]).collect()
}

/// Out-of-fold decision scores for every example and label.
pub fn cross_val_scores(examples: &[Example], params: &TrainParams, k: usize) -> Vec<Vec<f32>> {
    let folds = group_folds(examples, k);
    let mut out = vec![Vec::new(); examples.len()];
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    for f in 0..k {
        let train: Vec<&Example> = examples.iter().zip(&folds).filter(|(_, x)| **x != f).map(|(e, _)| e).collect();
        let texts: Vec<&str> = train.iter().map(|e| e.text.as_str()).collect();
        let gold: Vec<Vec<usize>> = train.iter().map(|e| e.labels.clone()).collect();
        let m = LinearModel::train("cv", &labels, &texts, &gold, vec![0.0; 8], params, String::new());
        for (i, e) in examples.iter().enumerate() {
            if folds[i] == f {
                out[i] = m.scores(&e.text);
            }
        }
    }
    out
}

/// Per label, the threshold on out-of-fold scores that gives the best F1 (midpoint between
/// neighbouring scores; ties go to the higher threshold, i.e. fewer alerts).
pub fn best_thresholds(scores: &[Vec<f32>], gold: &[Vec<usize>], nlabels: usize) -> Vec<f32> {
    (0..nlabels)
        .map(|l| {
            let mut pairs: Vec<(f32, bool)> = scores.iter().zip(gold).map(|(s, g)| (s[l], g.contains(&l))).collect();
            pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
            let total_pos = pairs.iter().filter(|p| p.1).count();
            let (mut best_f, mut best_t) = (-1.0f64, 0.0f32);
            let mut tp = 0usize;
            for i in 0..pairs.len() {
                tp += pairs[i].1 as usize;
                let predicted = i + 1;
                if i + 1 < pairs.len() && pairs[i + 1].0 == pairs[i].0 {
                    continue;
                }
                let f = 2.0 * tp as f64 / (predicted + total_pos) as f64;
                if f > best_f {
                    best_f = f;
                    let next = pairs.get(i + 1).map(|p| p.0).unwrap_or(pairs[i].0 - 1.0);
                    best_t = (pairs[i].0 + next) / 2.0;
                }
            }
            // Round so the threshold (and so the model file) does not hang on float noise.
            (best_t * 1000.0).round() / 1000.0
        })
        .collect()
}

/// Ids of the detection rules that fire on a text.
pub fn fired_rules(text: &str) -> Vec<String> {
    crate::rules::rules().fire(&crate::text::canonical(text)).into_iter().map(|(r, _)| r.id.clone()).collect()
}

/// For each label, the rules that are right at least `min_precision` of the time they fire on
/// the training data (and fire at least 3 times): the label's high-precision rules.
pub fn precise_rules(fired: &[Vec<String>], gold: &[Vec<usize>], min_precision: f64) -> Vec<Vec<String>> {
    let mut counts: BTreeMap<(usize, &str), (usize, usize)> = BTreeMap::new();
    let mut fires: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, g) in fired.iter().zip(gold) {
        for r in f {
            *fires.entry(r.as_str()).or_default() += 1;
            for &l in g {
                counts.entry((l, r.as_str())).or_default().0 += 1;
            }
        }
    }
    (0..LABELS.len())
        .map(|l| {
            fires
                .iter()
                .filter(|(r, n)| {
                    let hits = counts.get(&(l, **r)).map(|c| c.0).unwrap_or(0);
                    **n >= 3 && hits as f64 / **n as f64 >= min_precision
                })
                .map(|(r, _)| r.to_string())
                .collect()
        })
        .collect()
}

/// How the model's decision and the label's precise rules combine, chosen per label by
/// cross-validated F1 on train.
pub const COMBINATIONS: [&str; 3] = ["model", "model-or-rules", "rules"];

pub fn combine(how: &str, model_says: bool, rule_says: bool) -> bool {
    match how {
        "model-or-rules" => model_says || rule_says,
        "rules" => rule_says,
        _ => model_says,
    }
}

/// Trains the shipped model: thresholds, precise rules and their combination from grouped
/// 5-fold cross-validation on train; weights on all of train.
pub fn train_model(examples: &[Example], params: &TrainParams, data_hash: String) -> LinearModel {
    let oof = cross_val_scores(examples, params, 5);
    let gold: Vec<Vec<usize>> = examples.iter().map(|e| e.labels.clone()).collect();
    let thresholds = best_thresholds(&oof, &gold, LABELS.len());
    let fired: Vec<Vec<String>> = examples.iter().map(|e| fired_rules(&e.text)).collect();
    let precise = precise_rules(&fired, &gold, 0.8);
    let combination = (0..LABELS.len())
        .map(|l| {
            let f1 = |how: &str| {
                let (mut tp, mut np, mut ng) = (0, 0, 0);
                for i in 0..examples.len() {
                    let rule_says = fired[i].iter().any(|r| precise[l].contains(r));
                    let p = combine(how, oof[i][l] > thresholds[l], rule_says);
                    let g = gold[i].contains(&l);
                    tp += (p && g) as usize;
                    np += p as usize;
                    ng += g as usize;
                }
                prf(tp, np, ng).2
            };
            // Ties keep the simpler choice (earlier in COMBINATIONS).
            let mut best = COMBINATIONS[0];
            for how in COMBINATIONS {
                if f1(how) > f1(best) + 1e-9 {
                    best = how;
                }
            }
            best.to_string()
        })
        .collect();
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let labels: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
    let mut m = LinearModel::train("unfair-tos", &labels, &texts, &gold, thresholds, params, data_hash);
    m.header.precise_rules = precise;
    m.header.combination = combination;
    m
}

/// The shipped decision for one sentence: model and precise rules combined per label.
pub fn predict_labels(model: &LinearModel, text: &str) -> Vec<usize> {
    predict_labels_with(model, text, &fired_rules(text))
}

/// As `predict_labels`, with the sentence's fired rule ids already known.
pub fn predict_labels_with(model: &LinearModel, text: &str, fired: &[String]) -> Vec<usize> {
    decide(model, &model.scores_with(text, Some(fired)), fired)
}

/// As `predict_labels_with`, from the clause's canonical text (saves folding it again).
pub fn predict_labels_canonical(model: &LinearModel, canonical: &str, fired: &[String]) -> Vec<usize> {
    decide(model, &model.scores_canonical(canonical, fired), fired)
}

fn decide(model: &LinearModel, scores: &[f32], fired: &[String]) -> Vec<usize> {
    (0..model.header.labels.len())
        .filter(|&l| {
            let rule_says = model.header.precise_rules.get(l).is_some_and(|p| fired.iter().any(|r| p.contains(r)));
            let how = model.header.combination.get(l).map(String::as_str).unwrap_or("model");
            combine(how, scores[l] > model.header.thresholds[l], rule_says)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexglue_adds_the_gold_any_label_column_to_both_sides() {
        // gold: [0], [], []   pred: [0], [1], []
        let gold = vec![vec![0], vec![], vec![]];
        let pred = vec![vec![0], vec![1], vec![]];
        let s = score(&gold, &pred, &LABELS);
        // strict: label 0 tp1 → F1 1; label 1 fp1 → F1 0; others 0 (no support, zero_division=0).
        assert!((s.strict_micro_f1 - 2.0 / 3.0).abs() < 1e-9);
        assert!((s.strict_macro_f1 - 1.0 / 8.0).abs() < 1e-9);
        // 9th column: gold-has-a-label [1,0,0] on both sides → tp1, pred1, gold1 → F1 1.
        // micro over 9: tp 2, pred 3, gold 2 → 4/5; macro: (1 + 0 + 1) / 9.
        assert!((s.lexglue_micro_f1 - 0.8).abs() < 1e-9);
        assert!((s.lexglue_macro_f1 - 2.0 / 9.0).abs() < 1e-9);
    }

    #[test]
    fn thresholds_maximise_f1() {
        let scores = vec![vec![0.9], vec![0.8], vec![0.1], vec![-0.5]];
        let gold = vec![vec![0], vec![0], vec![], vec![]];
        assert_eq!(best_thresholds(&scores, &gold, 1), vec![0.45]);
    }

    #[test]
    fn bad_lines_are_named() {
        assert!(parse_jsonl("{\"text\":\"a\",\"label_ids\":[9]}").unwrap_err().contains("line 1"));
        assert!(parse_jsonl("\n{oops").unwrap_err().contains("line 2"));
        let ok = parse_jsonl("{\"text\":\"a\",\"labels\":[\"Arbitration\"]}").unwrap();
        assert_eq!(ok[0].labels, vec![7]);
    }
}
