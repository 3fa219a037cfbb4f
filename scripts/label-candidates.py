#!/usr/bin/env python3
"""Candidate clauses for hand labelling (eval provisions).

Usage: scripts/label-candidates.py SERVICE FILE.md [MAX_PER_PROVISION]
Prints, per provision, the clauses the analyser found (F) and clauses that contain one of the
taxonomy's cue words but were not found (C), as TSV rows to be labelled yes/no by a reader.
Nothing here decides a label: a person reads each clause and writes `yes` or `no`.
"""
import json, re, subprocess, sys

service, path = sys.argv[1], sys.argv[2]
cap = int(sys.argv[3]) if len(sys.argv) > 3 else 3
tax = json.load(open("crates/clausewatch-analyze/data/taxonomy.json"))
out = subprocess.run(["target/release/clausewatch", "analyze", path, "--format", "json"], capture_output=True, text=True, check=True)
a = json.loads(out.stdout)
md = open(path).read()
found = {}
for f in a["findings"]:
    found.setdefault(f["provision"], []).append((f["section"], f["quote"]))
# clauses: reuse the analyser's segmentation through the finding anchors is not enough for
# misses, so split sentences roughly here.
sections = []
cur = ""
for block in re.split(r"\n\s*\n", md):
    m = re.match(r"^#+\s+(.*)", block.strip())
    if m:
        cur = m.group(1).strip()
        continue
    for s in re.split(r"(?<=[.;!?])\s+(?=[A-Z*(])", block.strip()):
        s = " ".join(s.split())
        if len(s) > 30:
            sections.append((cur, s))
doc = path.split("/versions/")[-1]
for p in tax["provisions"]:
    pid = p["id"]
    rows = [("F", sec, q) for sec, q in found.get(pid, [])][:cap]
    quotes = {q for _, q in found.get(pid, [])}
    cues = [c.lower() for c in p["cues"]]
    misses = [(sec, s) for sec, s in sections if any(c in s.lower() for c in cues) and not any(s[:60] in q or q[:60] in s for q in quotes)]
    rows += [("C", sec, s) for sec, s in misses[:cap]]
    for kind, sec, q in rows:
        q = " ".join(q.split())
        print(f"{kind}\t{service}\t{doc}\t{sec}\t{pid}\t?\t{q}")
