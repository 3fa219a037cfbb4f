#!/usr/bin/env python3
"""Append hand labels to crates/clausewatch-analyze/data/provisions-labels.tsv.

Usage: scripts/apply-labels.py CANDIDATES.tsv SPLIT "1:y 2:n ..." ["provision|y|row-number" ...]
Row numbers refer to the candidates file (label-candidates.py output). `y`/`n` are the reader's
judgement of whether the clause expresses the provision. Extra arguments "provision:y:N" label
the clause of row N for another provision (a clause can express several). Identical
(provision, clause) pairs are kept once.
"""
import sys

cands = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
split = sys.argv[2]
labels = dict(x.split(":") for x in sys.argv[3].split())
path = "crates/clausewatch-analyze/data/provisions-labels.tsv"
existing = {tuple(l.rstrip("\n").split("\t")[4:7:2]) for l in open(path)}
rows = []
for n, lab in labels.items():
    kind, service, doc, sec, prov, _, clause = cands[int(n) - 1]
    rows.append((split, service, doc, sec, prov, {"y": "yes", "n": "no"}[lab], clause))
for extra in sys.argv[4:]:
    prov, lab, n = extra.split(":")
    kind, service, doc, sec, _, _, clause = cands[int(n) - 1]
    rows.append((split, service, doc, sec, prov, {"y": "yes", "n": "no"}[lab], clause))
added = 0
with open(path, "a") as f:
    for r in rows:
        if (r[4], r[6]) in existing:
            continue
        existing.add((r[4], r[6]))
        f.write("\t".join(r) + "\n")
        added += 1
print(f"added {added}")
