#!/usr/bin/env python3
"""Draw the seeded random sample of consecutive version pairs that we label by hand.

Usage: scripts/sample-change-pairs.py DIR/ota/versions [PER_REPO] [SEED] [MIN_CHANGED_WORDS] [FIRST_ID] [EXCLUDE_TSV]

Reads every `index.tsv` under the versions folder (one per Open Terms Archive repository),
lists the consecutive pairs of each (service, terms type) history, and draws PER_REPO pairs
per repository with a fixed seed, so every repository (and its languages) is represented.
Prints TSV: id, repo, service, terms_type, old file, new file, commit_kind of the new version.
With MIN_CHANGED_WORDS > 0 it draws an enriched sample instead: only pairs whose word multisets
differ by at least that many words (markup stripped), so that real edits are frequent enough to
measure recall; ids then start at FIRST_ID. Pairs already listed (by old and new file) in
EXCLUDE_TSV, such as an earlier labelled sample, are never drawn again: a held-out sample.
The labels themselves are written by a person reading the diffs, never by this script.
"""
import csv
import os
import random
import re
import sys
from collections import Counter


def words(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are not words
    return Counter(w.lower() for w in re.findall(r"\w+", text))


def changed_words(pa, pb):
    a, b = words(pa), words(pb)
    return sum(((a - b) + (b - a)).values())


def main():
    root = sys.argv[1]
    per_repo = int(sys.argv[2]) if len(sys.argv) > 2 else 26
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261127
    min_changed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    first_id = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    exclude = set()
    if len(sys.argv) > 6:
        with open(sys.argv[6], newline="", encoding="utf-8") as f:
            lines = [l for l in f if not l.startswith("#")]
        for row in csv.DictReader(lines, delimiter="\t"):
            exclude.add((row["old"], row["new"]))
    rng = random.Random(seed)
    rows_out = []
    for repo in sorted(os.listdir(root)):
        index = os.path.join(root, repo, "index.tsv")
        if not os.path.isfile(index):
            continue
        histories = {}
        with open(index, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                histories.setdefault((row["service"], row["terms_type"]), []).append(row)
        pairs = []
        for key in sorted(histories):
            rows = sorted(histories[key], key=lambda r: r["date"])
            for a, b in zip(rows, rows[1:]):
                pa = os.path.join(root, repo, a["file"])
                pb = os.path.join(root, repo, b["file"])
                if os.path.isfile(pa) and os.path.isfile(pb) and (a["file"], b["file"]) not in exclude:
                    pairs.append((repo, key[0], key[1], a["file"], b["file"], b["commit_kind"]))
        if min_changed > 0:
            rng.shuffle(pairs)
            kept = 0
            for p in pairs:
                if kept == per_repo:
                    break
                if changed_words(os.path.join(root, repo, p[3]), os.path.join(root, repo, p[4])) >= min_changed:
                    rows_out.append(p)
                    kept += 1
            continue
        for p in rng.sample(pairs, min(per_repo, len(pairs))):
            rows_out.append(p)
    print("id\trepo\tservice\tterms_type\told\tnew\tcommit_kind")
    for i, p in enumerate(rows_out, first_id):
        print(f"{i}\t" + "\t".join(p))


if __name__ == "__main__":
    main()
