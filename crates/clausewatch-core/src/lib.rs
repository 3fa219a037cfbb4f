//! Domain types and the platform catalog of Clausewatch.
//!
//! Nothing here does network I/O; the catalog reads declaration files only.

pub mod catalog;
pub mod declaration;
pub mod hash;
pub mod rules;
pub mod terms_types;

pub use declaration::{DocumentEntry, PlatformEntry, Problem, Severity};
pub use hash::ContentHash;
pub use rules::{DocumentRules, RangeBoundary, RangeSelector, Selector, SourceRules};
