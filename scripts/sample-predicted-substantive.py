#!/usr/bin/env python3
"""Draw a seeded random sample of the pairs the classifier calls substantive, to estimate its
precision on the whole corpus (a uniform sample of predicted-substantive pairs estimates
P(gold substantive | predicted substantive) without bias).

Usage: scripts/sample-predicted-substantive.py LIST_TSV N SEED FIRST_ID EXCLUDE_TSV...

LIST_TSV is written by `clausewatch eval changes DIR/ota/versions --list LIST_TSV`. Re-extraction
pairs are left out, and so is every pair already in an EXCLUDE_TSV (the labelled files). Prints
TSV lines in the layout of change-labels.tsv, without the predicted reasons and with the label
and reason columns empty: the labels are written by a person reading the redline.
"""
import csv
import random
import sys


def main():
    listing, n, seed, first_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    seen = set()
    for path in sys.argv[5:]:
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 7 and not line.startswith("#") and cols[0] != "id":
                    seen.add((cols[5], cols[6]))
    pool = []
    with open(listing, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["significance"] != "substantive" or row["reextraction"] == "true":
                continue
            repo, rest = row["history"].split("/", 1)
            old, new = f"{rest}/{row['old']}", f"{rest}/{row['new']}"
            if (old, new) in seen:
                continue
            service, terms_type = rest.rsplit("/", 1)
            pool.append((repo, service, terms_type, old, new))
    pool.sort()
    random.Random(seed).shuffle(pool)
    for i, (repo, service, terms_type, old, new) in enumerate(pool[:n]):
        print("\t".join([str(first_id + i), "predicted_substantive", repo, service, terms_type, old, new, "record_changes", "", ""]))


if __name__ == "__main__":
    main()
