//! Clausewatch: watch platforms' legal documents, keep a faithful, citable version history,
//! and show what changed.
//!
//! Pipeline modules, in order: `catalog` (declarations -> store), `track` (fetch -> snapshot),
//! `versioning` (extract -> version -> change), `analyze` (version -> findings and summary),
//! `rebuild` (replay), `demo`, `web` (serve).

pub mod analyze;
pub mod bench;
pub mod bench_analyze;
pub mod bench_fetch;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod demo;
pub mod eval_changes;
pub mod eval_provisions;
pub mod eval_unfair;
pub mod fidelity;
pub mod hostile;
pub mod rebuild;
pub mod replay;
pub mod textcompare;
pub mod timeline;
pub mod track;
pub mod versioning;
pub mod web;
