//! Provision analysis: what a document version states, permits and reserves.
//!
//! Markdown → sections and clauses (`segment`) → findings from transparent rules (`rules`) and
//! a trained linear model (`model`, `unfair`) → attributes (`attributes`) → a themed summary
//! (`summary`), assembled by `analysis`. Pure: no I/O, no clock; the taxonomy, rules and model
//! are compiled in.

pub mod analysis;
pub mod attributes;
pub mod change;
pub mod model;
pub mod rules;
pub mod segment;
pub mod signals;
pub mod summary;
pub mod taxonomy;
pub mod text;
pub mod unfair;

pub use analysis::{analyze, analyze_with_previous, analyzer_version, Analysis, Continuity, Finding};
