//! The provision taxonomy, compiled in and validated at load.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const TAXONOMY_JSON: &str = include_str!("../data/taxonomy.json");

pub const CATEGORIES: [&str; 12] = [
    "payments",
    "termination",
    "changes_to_terms",
    "dispute_resolution",
    "liability",
    "content_and_ip",
    "ai_specific",
    "privacy_and_data",
    "acceptable_use_and_account",
    "eligibility",
    "platform_governance",
    "miscellaneous",
];
pub const STANCES: [&str; 5] = ["states", "permits", "reserves", "requires", "prohibits"];
pub const ATTRIBUTE_KINDS: [&str; 11] =
    ["amount", "duration", "age", "place", "body", "control", "boolean", "list", "map", "integer", "text"];
pub const RISKS: [&str; 3] = ["low", "medium", "high"];

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    pub taxonomy_version: String,
    pub derived_from: String,
    pub frameworks: Vec<Framework>,
    pub provisions: Vec<Provision>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    pub id: String,
    pub name: String,
    pub category: String,
    pub stance: String,
    pub cues: Vec<String>,
    pub attributes: Vec<AttributeSpec>,
    pub risk: String,
    pub mappings: Vec<Mapping>,
    pub tosdr_cases: Vec<u32>,
    pub unfair_tos_label: Option<usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeSpec {
    pub name: String,
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub framework: String,
    pub reference: String,
    /// The reference was not checked against the official text yet.
    pub verify: bool,
}

impl Taxonomy {
    /// Parses and validates: unique ids, known categories, stances, risks, attribute kinds,
    /// snake_case names, mappings to known frameworks, UNFAIR-ToS labels 0–7.
    pub fn parse(json: &str) -> Result<Taxonomy, String> {
        let t: Taxonomy = serde_json::from_str(json).map_err(|e| format!("taxonomy: {e}"))?;
        let snake =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let frameworks: HashSet<&str> = t.frameworks.iter().map(|f| f.id.as_str()).collect();
        let mut ids = HashSet::new();
        for p in &t.provisions {
            let at = |what: String| format!("taxonomy: provision {:?}: {what}", p.id);
            if !snake(&p.id) {
                return Err(at("id is not snake_case".into()));
            }
            if !ids.insert(p.id.as_str()) {
                return Err(at("duplicate id".into()));
            }
            if !CATEGORIES.contains(&p.category.as_str()) {
                return Err(at(format!("unknown category {:?}", p.category)));
            }
            if !STANCES.contains(&p.stance.as_str()) {
                return Err(at(format!("unknown stance {:?}", p.stance)));
            }
            if !RISKS.contains(&p.risk.as_str()) {
                return Err(at(format!("unknown risk {:?}", p.risk)));
            }
            let mut names = HashSet::new();
            for a in &p.attributes {
                if !snake(&a.name) || !names.insert(a.name.as_str()) {
                    return Err(at(format!("attribute {:?} is not a unique snake_case name", a.name)));
                }
                if !ATTRIBUTE_KINDS.contains(&a.kind.as_str()) {
                    return Err(at(format!("attribute {:?} has unknown kind {:?}", a.name, a.kind)));
                }
            }
            for m in &p.mappings {
                if !frameworks.contains(m.framework.as_str()) {
                    return Err(at(format!("maps to unknown framework {:?}", m.framework)));
                }
            }
            if p.unfair_tos_label.is_some_and(|l| l > 7) {
                return Err(at("UNFAIR-ToS label must be 0–7".into()));
            }
        }
        Ok(t)
    }

    pub fn get(&self, id: &str) -> Option<&Provision> {
        self.provisions.iter().find(|p| p.id == id)
    }

    pub fn framework_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.frameworks.iter().find(|f| f.id == id).map(|f| f.name.as_str()).unwrap_or(id)
    }
}

/// The compiled-in taxonomy. Validated by a unit test, so this cannot fail in a release.
pub fn taxonomy() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(|| Taxonomy::parse(TAXONOMY_JSON).expect("compiled-in taxonomy is validated by tests"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_taxonomy_is_valid_and_complete() {
        let t = Taxonomy::parse(TAXONOMY_JSON).unwrap();
        assert_eq!(t.provisions.len(), 67);
        for c in CATEGORIES {
            assert!(t.provisions.iter().any(|p| p.category == c), "{c} has provisions");
        }
    }

    #[test]
    fn invalid_taxonomies_are_refused_with_the_reason() {
        let mut v: serde_json::Value = serde_json::from_str(TAXONOMY_JSON).unwrap();
        v["provisions"][1]["id"] = v["provisions"][0]["id"].clone();
        assert!(Taxonomy::parse(&v.to_string()).unwrap_err().contains("duplicate id"));
        let mut v: serde_json::Value = serde_json::from_str(TAXONOMY_JSON).unwrap();
        v["provisions"][0]["stance"] = "maybe".into();
        assert!(Taxonomy::parse(&v.to_string()).unwrap_err().contains("unknown stance"));
        let mut v: serde_json::Value = serde_json::from_str(TAXONOMY_JSON).unwrap();
        v["provisions"][0]["attributes"][0]["kind"] = "colour".into();
        assert!(Taxonomy::parse(&v.to_string()).unwrap_err().contains("unknown kind"));
        assert!(Taxonomy::parse("{").is_err());
    }
}
