#!/usr/bin/env python3
"""Derive Clausewatch's taxonomy data file from the shared reference taxonomy.

Usage: scripts/make-taxonomy.py [../shared/taxonomy] > crates/clausewatch-analyze/data/taxonomy.json

Only the structure is taken over: ids, names, categories, stances, cue keywords, attribute
names (with a kind derived from the type hint), risk levels, framework references, ToS;DR
case ids and the UNFAIR-ToS label. The prose (definitions, risk reasons, notes) is not
copied: Clausewatch writes its own wording in the summary templates of `rules.toml`.
"""
import json
import re
import sys

import yaml

root = sys.argv[1] if len(sys.argv) > 1 else "../shared/taxonomy"
provisions = yaml.safe_load(open(f"{root}/provisions.yaml"))
frameworks = yaml.safe_load(open(f"{root}/frameworks.yaml"))


def kind(name, hint):
    hint = str(hint).lower()
    if "currency" in hint or name in ("cap_amount", "amount"):
        return "amount"
    if name.endswith("_days") or name.endswith("_months") or name in ("timeframe", "expiry_period",
                                                                      "cancellation_deadline", "suspension_duration"):
        return "duration"
    if name.endswith("_age") or name.startswith("min_age"):
        return "age"
    if name in ("governing_law_jurisdiction", "forum_location", "seat_or_location", "destination_countries"):
        return "place"
    if name in ("arbitration_provider",):
        return "body"
    if name in ("controllable_settings",):
        return "control"
    if hint.startswith("boolean"):
        return "boolean"
    if hint.startswith("list"):
        return "list"
    if hint.startswith("map"):
        return "map"
    if hint.startswith("integer"):
        return "integer"
    return "text"


out = {
    "taxonomy_version": str(provisions["taxonomy_version"]),
    "derived_from": "shared/taxonomy/provisions.yaml (structure only)",
    "frameworks": [
        {"id": f["id"], "name": f["short_name"]} for f in frameworks["frameworks"]
    ],
    "provisions": [],
}
for p in provisions["provisions"]:
    unfair = p.get("unfair_tos")
    out["provisions"].append({
        "id": p["id"],
        "name": p["name"],
        "category": p["category"],
        "stance": p["stance"],
        "cues": p.get("cues", []),
        "attributes": [{"name": n, "kind": kind(n, h)} for n, h in (p.get("attributes") or {}).items()],
        "risk": p["risk"]["level"],
        "mappings": [
            {"framework": m["framework"], "reference": str(m["ref"]), "verify": bool(m.get("verify", False))}
            for m in p.get("mappings", [])
        ],
        "tosdr_cases": [c["id"] for c in p.get("tosdr_cases", [])],
        "unfair_tos_label": unfair["label_index"] if unfair else None,
    })
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
