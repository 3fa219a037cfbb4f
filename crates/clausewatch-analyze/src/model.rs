//! A multi-label linear classifier over TF-IDF word and character n-grams, trained in Rust.
//!
//! Training is deterministic: vocabulary in sorted order, a seeded xorshift shuffle, a fixed
//! number of passes of dual coordinate descent (L2-regularised, squared-hinge SVM, as in
//! liblinear), one thread. So `clausewatch train` reproduces the shipped model byte for byte.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::text;

const MAGIC: &[u8; 8] = b"CWLINM01";
/// Refuse model files that would inflate past this (the shipped one is a few MB).
const MAX_MODEL_BYTES: u64 = 64 << 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// Word n-grams from 1 to this length.
    pub word_ngrams: usize,
    /// Character n-grams (inside word boundaries, padded with spaces) from `char_min` to `char_max`; 0 disables.
    pub char_min: usize,
    pub char_max: usize,
    /// A term must occur in at least this many training sentences.
    pub min_df: u32,
    /// Each detection rule that fires adds an `r:<rule id>` term this many times (0: none), so
    /// the model learns how far to trust each transparent rule.
    pub rule_repeat: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    pub features: FeatureParams,
    /// SVM regularisation (larger fits the training data more closely).
    pub c: f64,
    /// Positive examples weigh this many times more (labels are rare).
    pub positive_weight: f64,
    pub epochs: usize,
    pub seed: u64,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            features: FeatureParams { word_ngrams: 3, char_min: 3, char_max: 5, min_df: 2, rule_repeat: 2 },
            c: 1.0,
            positive_weight: 2.0,
            epochs: 40,
            seed: 20261127,
        }
    }
}

/// What the model file records besides the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    pub name: String,
    pub labels: Vec<String>,
    /// Decision threshold per label (chosen by cross-validation on the training data).
    pub thresholds: Vec<f32>,
    pub params: TrainParams,
    /// BLAKE3 of the training data as read, so a model names exactly what it learned from.
    pub training_data_hash: String,
    pub training_examples: usize,
    /// Fingerprint of the rule file whose rules are features of this model.
    pub rules_hash: String,
    /// Per label: rules precise enough on train to decide alone (see `unfair::train_model`).
    #[serde(default)]
    pub precise_rules: Vec<Vec<String>>,
    /// Per label: how the model and the precise rules combine.
    #[serde(default)]
    pub combination: Vec<String>,
}

pub struct LinearModel {
    pub header: ModelHeader,
    terms: HashMap<String, u32>,
    /// The same vocabulary keyed by the FNV-1a hash of each term, so scoring computes n-gram
    /// hashes in place instead of building a string per n-gram.
    hashed: HashMap<u64, u32, BuildHasherDefault<IdentityHasher>>,
    idf: Vec<f32>,
    /// One row per label: a weight per term, then the bias.
    weights: Vec<Vec<f32>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model file is not a Clausewatch linear model (bad magic)")]
    BadMagic,
    #[error("model file is truncated or corrupt: {0}")]
    Corrupt(String),
}

/// A sparse, L2-normalised TF-IDF vector (sorted by term index).
pub type SparseVec = Vec<(u32, f32)>;

/// All n-gram features of one text, as strings (counted by the caller).
pub fn feature_terms(text: &str, params: &FeatureParams, out: &mut Vec<String>) {
    feature_terms_with(text, params, None, out)
}

/// As `feature_terms`, with the clause's fired rule ids when the caller already has them.
pub fn feature_terms_with(text: &str, params: &FeatureParams, fired: Option<&[String]>, out: &mut Vec<String>) {
    out.clear();
    let folded = text::fold(text);
    let toks = text::tokens(&folded);
    for n in 1..=params.word_ngrams.max(1) {
        for w in toks.windows(n) {
            out.push(format!("w:{}", w.join(" ")));
        }
    }
    if params.rule_repeat > 0 {
        let computed;
        let ids: &[String] = match fired {
            Some(f) => f,
            None => {
                let canonical = toks.join(" ");
                computed =
                    crate::rules::rules().fire(&canonical).into_iter().map(|(r, _)| r.id.clone()).collect::<Vec<_>>();
                &computed
            }
        };
        for id in ids {
            for _ in 0..params.rule_repeat {
                out.push(format!("r:{id}"));
            }
        }
    }
    if params.char_min > 0 {
        for t in &toks {
            let padded: Vec<char> = std::iter::once(' ').chain(t.chars()).chain(std::iter::once(' ')).collect();
            for n in params.char_min..=params.char_max {
                if padded.len() < n {
                    break;
                }
                for w in padded.windows(n) {
                    out.push(format!("c:{}", w.iter().collect::<String>()));
                }
            }
        }
    }
}

fn vectorize(terms: &[String], index: &HashMap<String, u32>, idf: &[f32]) -> SparseVec {
    let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
    for t in terms {
        if let Some(&i) = index.get(t) {
            *counts.entry(i).or_default() += 1;
        }
    }
    let mut v: SparseVec = counts.into_iter().map(|(i, n)| (i, (1.0 + (n as f32).ln()) * idf[i as usize])).collect();
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v
}

/// FNV-1a, 64 bits: the term hash used at scoring time (equal strings, equal hashes).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(mut self, b: &[u8]) -> Fnv {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }
}

fn fnv(s: &str) -> u64 {
    Fnv::new().bytes(s.as_bytes()).0
}

/// The keys are already hashes.
#[derive(Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn hash_index(terms: &HashMap<String, u32>) -> HashMap<u64, u32, BuildHasherDefault<IdentityHasher>> {
    let mut sorted: Vec<(&String, &u32)> = terms.iter().collect();
    sorted.sort_by_key(|(_, i)| **i);
    let mut out = HashMap::with_capacity_and_hasher(sorted.len(), BuildHasherDefault::default());
    for (t, i) in sorted {
        // On the (astronomically rare) collision the first term keeps the slot.
        out.entry(fnv(t)).or_insert(*i);
    }
    out
}

/// The hashes of exactly the strings `feature_terms_with` would produce, without building them.
fn feature_hashes(text: &str, params: &FeatureParams, fired: Option<&[String]>, out: &mut Vec<u64>) {
    let folded = text::fold(text);
    feature_hashes_of_tokens(&text::tokens(&folded), params, fired, out)
}

fn feature_hashes_of_tokens(toks: &[&str], params: &FeatureParams, fired: Option<&[String]>, out: &mut Vec<u64>) {
    out.clear();
    let w = Fnv::new().bytes(b"w:");
    for n in 1..=params.word_ngrams.max(1) {
        for win in toks.windows(n) {
            let mut h = w;
            for (i, t) in win.iter().enumerate() {
                if i > 0 {
                    h = h.bytes(b" ");
                }
                h = h.bytes(t.as_bytes());
            }
            out.push(h.0);
        }
    }
    if params.rule_repeat > 0 {
        let computed;
        let ids: &[String] = match fired {
            Some(f) => f,
            None => {
                computed = crate::rules::rules()
                    .fire(&toks.join(" "))
                    .into_iter()
                    .map(|(r, _)| r.id.clone())
                    .collect::<Vec<_>>();
                &computed
            }
        };
        for id in ids {
            let h = fnv(&format!("r:{id}"));
            for _ in 0..params.rule_repeat {
                out.push(h);
            }
        }
    }
    if params.char_min > 0 {
        let c = Fnv::new().bytes(b"c:");
        let mut buf = [0u8; 4];
        for t in toks {
            let padded: Vec<char> = std::iter::once(' ').chain(t.chars()).chain(std::iter::once(' ')).collect();
            for n in params.char_min..=params.char_max {
                if padded.len() < n {
                    break;
                }
                for win in padded.windows(n) {
                    let mut h = c;
                    for ch in win {
                        h = h.bytes(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    out.push(h.0);
                }
            }
        }
    }
}

/// Vocabulary and IDF learned from training texts.
pub struct Vocabulary {
    pub terms: Vec<String>,
    pub index: HashMap<String, u32>,
    pub idf: Vec<f32>,
}

impl Vocabulary {
    pub fn fit(texts: &[&str], params: &FeatureParams) -> Vocabulary {
        let mut df: BTreeMap<String, u32> = BTreeMap::new();
        let mut buf = Vec::new();
        for t in texts {
            feature_terms(t, params, &mut buf);
            buf.sort_unstable();
            buf.dedup();
            for term in buf.drain(..) {
                *df.entry(term).or_default() += 1;
            }
        }
        let n = texts.len() as f64;
        let mut terms = Vec::new();
        let mut idf = Vec::new();
        for (term, d) in df {
            if d >= params.min_df {
                idf.push((((1.0 + n) / (1.0 + d as f64)).ln() + 1.0) as f32);
                terms.push(term);
            }
        }
        let index = terms.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        Vocabulary { terms, index, idf }
    }

    pub fn vectorize(&self, text: &str, params: &FeatureParams) -> SparseVec {
        let mut buf = Vec::new();
        feature_terms(text, params, &mut buf);
        vectorize(&buf, &self.index, &self.idf)
    }
}

/// Seeded xorshift64*: small, portable, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Dual coordinate descent for the L2-regularised squared-hinge SVM with a bias term.
/// Returns the weights, then the bias as the last element.
pub fn train_binary(xs: &[SparseVec], ys: &[bool], dim: usize, params: &TrainParams) -> Vec<f64> {
    let mut w = vec![0f64; dim + 1];
    let mut alpha = vec![0f64; xs.len()];
    let diag: Vec<f64> =
        ys.iter().map(|&y| 0.5 / if y { params.c * params.positive_weight } else { params.c }).collect();
    let qd: Vec<f64> = xs
        .iter()
        .zip(&diag)
        .map(|(x, d)| d + 1.0 + x.iter().map(|(_, v)| (*v as f64) * (*v as f64)).sum::<f64>())
        .collect();
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = Rng::new(params.seed);
    for _ in 0..params.epochs {
        rng.shuffle(&mut order);
        let mut max_pg = f64::NEG_INFINITY;
        let mut min_pg = f64::INFINITY;
        for &i in &order {
            let y = if ys[i] { 1.0 } else { -1.0 };
            let x = &xs[i];
            let wx = w[dim] + x.iter().map(|(j, v)| w[*j as usize] * *v as f64).sum::<f64>();
            let g = y * wx - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            max_pg = max_pg.max(pg);
            min_pg = min_pg.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * y;
                for (j, v) in x {
                    w[*j as usize] += d * *v as f64;
                }
                w[dim] += d;
            }
        }
        if max_pg - min_pg < 1e-3 {
            break;
        }
    }
    w
}

impl LinearModel {
    /// Trains one binary classifier per label on (text, label indices) examples.
    pub fn train(
        name: &str,
        labels: &[String],
        texts: &[&str],
        gold: &[Vec<usize>],
        thresholds: Vec<f32>,
        params: &TrainParams,
        training_data_hash: String,
    ) -> LinearModel {
        let vocab = Vocabulary::fit(texts, &params.features);
        let xs: Vec<SparseVec> = texts.iter().map(|t| vocab.vectorize(t, &params.features)).collect();
        let dim = vocab.terms.len();
        let weights = (0..labels.len())
            .map(|l| {
                let ys: Vec<bool> = gold.iter().map(|g| g.contains(&l)).collect();
                train_binary(&xs, &ys, dim, params).into_iter().map(|v| v as f32).collect()
            })
            .collect();
        let hashed = hash_index(&vocab.index);
        LinearModel {
            hashed,
            header: ModelHeader {
                name: name.to_string(),
                labels: labels.to_vec(),
                thresholds,
                params: params.clone(),
                training_data_hash,
                training_examples: texts.len(),
                rules_hash: crate::rules::rules_hash(),
                precise_rules: Vec::new(),
                combination: Vec::new(),
            },
            terms: vocab.index,
            idf: vocab.idf,
            weights,
        }
    }

    /// Decision values per label (positive side of the threshold means the label applies).
    pub fn scores(&self, text: &str) -> Vec<f32> {
        self.scores_with(text, None)
    }

    /// Scores with the clause's fired rule ids already known (saves matching the rules twice).
    pub fn scores_with(&self, text: &str, fired: Option<&[String]>) -> Vec<f32> {
        let mut buf = Vec::new();
        feature_hashes(text, &self.header.params.features, fired, &mut buf);
        self.score_hashes(&buf)
    }

    /// Scores a clause given as its canonical text (`text::canonical`) and fired rule ids.
    pub fn scores_canonical(&self, canonical: &str, fired: &[String]) -> Vec<f32> {
        let toks: Vec<&str> = canonical.split(' ').filter(|t| !t.is_empty()).collect();
        let mut buf = Vec::new();
        feature_hashes_of_tokens(&toks, &self.header.params.features, Some(fired), &mut buf);
        self.score_hashes(&buf)
    }

    fn score_hashes(&self, buf: &[u64]) -> Vec<f32> {
        let mut ids: Vec<u32> = buf.iter().filter_map(|h| self.hashed.get(h).copied()).collect();
        ids.sort_unstable();
        let mut x: SparseVec = Vec::with_capacity(ids.len());
        for chunk in ids.chunk_by(|a, b| a == b) {
            let i = chunk[0];
            x.push((i, (1.0 + (chunk.len() as f32).ln()) * self.idf[i as usize]));
        }
        let norm = x.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut x {
                *v /= norm;
            }
        }
        self.weights
            .iter()
            .map(|w| {
                let bias = *w.last().unwrap_or(&0.0);
                bias + x.iter().map(|(j, v)| w[*j as usize] * v).sum::<f32>()
            })
            .collect()
    }

    /// Labels whose score passes their threshold, with the margin above it.
    pub fn predict(&self, text: &str) -> Vec<(usize, f32)> {
        self.scores(text)
            .into_iter()
            .enumerate()
            .filter_map(|(l, s)| {
                let t = self.header.thresholds.get(l).copied().unwrap_or(0.0);
                (s > t).then_some((l, s - t))
            })
            .collect()
    }

    /// Serialises deterministically: header JSON, sorted terms with IDF, weights; zstd level 19.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut raw = Vec::new();
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&(header.len() as u32).to_le_bytes());
        raw.extend_from_slice(&header);
        let mut terms: Vec<(&String, &u32)> = self.terms.iter().collect();
        terms.sort_by_key(|(_, i)| **i);
        raw.extend_from_slice(&(terms.len() as u32).to_le_bytes());
        for (t, i) in &terms {
            raw.extend_from_slice(&(t.len() as u16).to_le_bytes());
            raw.extend_from_slice(t.as_bytes());
            raw.extend_from_slice(&self.idf[**i as usize].to_le_bytes());
        }
        for w in &self.weights {
            for v in w {
                raw.extend_from_slice(&v.to_le_bytes());
            }
        }
        zstd::bulk::compress(&raw, 19).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<LinearModel, ModelError> {
        let raw = bounded_decompress(bytes)?;
        let mut r = Reader { buf: &raw, pos: 0 };
        if r.take(8)? != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let hlen = r.u32()? as usize;
        let header: ModelHeader =
            serde_json::from_slice(r.take(hlen)?).map_err(|e| ModelError::Corrupt(format!("header: {e}")))?;
        let n = r.u32()? as usize;
        if n > raw.len() {
            return Err(ModelError::Corrupt("term count larger than the file".into()));
        }
        let mut terms = HashMap::with_capacity(n);
        let mut idf = Vec::with_capacity(n);
        for i in 0..n {
            let len = r.u16()? as usize;
            let t = std::str::from_utf8(r.take(len)?).map_err(|_| ModelError::Corrupt("term is not UTF-8".into()))?;
            terms.insert(t.to_string(), i as u32);
            idf.push(r.f32()?);
        }
        let mut weights = Vec::with_capacity(header.labels.len());
        for _ in 0..header.labels.len() {
            let mut w = Vec::with_capacity(n + 1);
            for _ in 0..=n {
                w.push(r.f32()?);
            }
            weights.push(w);
        }
        if r.pos != raw.len() {
            return Err(ModelError::Corrupt("trailing bytes".into()));
        }
        if header.thresholds.len() != header.labels.len() {
            return Err(ModelError::Corrupt("one threshold per label expected".into()));
        }
        let hashed = hash_index(&terms);
        Ok(LinearModel { header, terms, hashed, idf, weights })
    }

    pub fn term_count(&self) -> usize {
        self.idf.len()
    }
}

fn bounded_decompress(bytes: &[u8]) -> Result<Vec<u8>, ModelError> {
    use std::io::Read;
    let decoder = zstd::stream::read::Decoder::new(bytes).map_err(|e| ModelError::Corrupt(e.to_string()))?;
    let mut raw = Vec::new();
    decoder.take(MAX_MODEL_BYTES + 1).read_to_end(&mut raw).map_err(|e| ModelError::Corrupt(e.to_string()))?;
    if raw.len() as u64 > MAX_MODEL_BYTES {
        return Err(ModelError::Corrupt("inflates past 64 MB".into()));
    }
    Ok(raw)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| ModelError::Corrupt("truncated".into()))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, ModelError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().map_err(|_| ModelError::Corrupt("u16".into()))?))
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| ModelError::Corrupt("u32".into()))?))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        let v = f32::from_le_bytes(self.take(4)?.try_into().map_err(|_| ModelError::Corrupt("f32".into()))?);
        if !v.is_finite() {
            return Err(ModelError::Corrupt("non-finite number".into()));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<&'static str>, Vec<Vec<usize>>) {
        let texts = vec![
            "these terms are governed by the laws of california",
            "the laws of ireland govern this agreement",
            "governed by the laws of england",
            "we may terminate your account at any time",
            "we may suspend or terminate access at any time",
            "you can export your data",
            "contact us by email",
            "we use cookies",
        ];
        let gold = vec![vec![0], vec![0], vec![0], vec![1], vec![1], vec![], vec![], vec![]];
        (texts, gold)
    }

    #[test]
    fn learns_separable_labels_and_round_trips_byte_for_byte() {
        let (texts, gold) = toy();
        let mut params = TrainParams::default();
        params.features.min_df = 1;
        params.c = 10.0;
        let labels = vec!["law".to_string(), "termination".to_string()];
        let m = LinearModel::train("toy", &labels, &texts, &gold, vec![0.0, 0.0], &params, "x".into());
        assert_eq!(m.predict("governed by the laws of france").iter().map(|p| p.0).collect::<Vec<_>>(), vec![0]);
        assert_eq!(m.predict("we may terminate it at any time").iter().map(|p| p.0).collect::<Vec<_>>(), vec![1]);
        let bytes = m.to_bytes();
        let again = LinearModel::train("toy", &labels, &texts, &gold, vec![0.0, 0.0], &params, "x".into());
        assert_eq!(bytes, again.to_bytes(), "training is deterministic");
        let loaded = LinearModel::from_bytes(&bytes).unwrap();
        assert_eq!(loaded.scores("laws of ireland"), m.scores("laws of ireland"));
        assert_eq!(loaded.to_bytes(), bytes);
    }

    #[test]
    fn hashed_scoring_equals_string_features() {
        let params = TrainParams::default().features;
        for text in ["We may terminate your account at any time.", "Ünïcödé « quotes » can't stop", "a", ""] {
            let mut terms = Vec::new();
            feature_terms(text, &params, &mut terms);
            let mut hashes = Vec::new();
            feature_hashes(text, &params, None, &mut hashes);
            assert_eq!(terms.iter().map(|t| fnv(t)).collect::<Vec<_>>(), hashes, "{text}");
        }
    }

    #[test]
    fn corrupt_model_files_are_refused() {
        assert!(LinearModel::from_bytes(b"not a model").is_err());
        let (texts, gold) = toy();
        let labels = vec!["a".to_string(), "b".to_string()];
        let m = LinearModel::train("toy", &labels, &texts, &gold, vec![0.0, 0.0], &TrainParams::default(), "x".into());
        let raw = zstd::bulk::decompress(&m.to_bytes(), 1 << 24).unwrap();
        for cut in [4, 12, raw.len() / 2, raw.len() - 1] {
            let truncated = zstd::bulk::compress(&raw[..cut], 1).unwrap();
            assert!(LinearModel::from_bytes(&truncated).is_err(), "cut at {cut}");
        }
    }
}
