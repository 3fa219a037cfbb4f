#!/usr/bin/env python3
"""Build catalogs/platforms/ from facts: platform names, document URLs and terms types found in
Open Terms Archive's declarations (DIR/ota/declarations, unpacked by ../shared/unpack) and
ToS;DR's service list (../shared/data/tosdr/legacy-services.jsonl), plus our own editorial table
(catalogs/editorial.tsv: category and headquarters jurisdiction).

Only facts are taken from the declarations (names, URLs, types, whether a page needs scripts);
no selector, filter or file is copied: our catalog entries use automatic main content. Every URL
records its origin; a field we could not source is listed under "unverified".

Usage: python3 scripts/make-catalog.py [DIR] [--tosdr FILE]
"""

import argparse
import glob
import json
import os
import re
import sys
from urllib.parse import urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "catalogs", "platforms")

# Collections in priority order (AI first), with the category their platforms get by default.
COLLECTIONS = [
    ("genai-eu-declarations", "ai"),
    ("genai-contrib-declarations", "ai"),
    ("pga-declarations", "social"),
    ("dating-declarations", "dating"),
    ("p2b-compliance-declarations", "marketplace"),
    ("contrib-declarations", None),
]


def file_id(name):
    """A file name for a platform: letters, digits, dot, dash; readable and stable."""
    s = re.sub(r"[^\w.\- ]+", "", name, flags=re.UNICODE).strip().replace(" ", "-")
    return s or "platform-" + str(abs(hash(name)) % 10**8)


def fetch_urls(doc):
    """(url, executeClientScripts) of a declared document, in combine order."""
    scripts = bool(doc.get("executeClientScripts", False))
    if "fetch" in doc and isinstance(doc["fetch"], str):
        return [(doc["fetch"], scripts)]
    out = []
    for src in doc.get("combine", []) or []:
        if isinstance(src, dict) and isinstance(src.get("fetch"), str):
            out.append((src["fetch"], bool(src.get("executeClientScripts", scripts))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default="/tmp/clausewatch-shared")
    ap.add_argument("--tosdr", default=os.path.join(ROOT, "..", "shared", "data", "tosdr", "legacy-services.jsonl"))
    args = ap.parse_args()
    base = os.path.join(args.dir, "ota", "declarations")
    if not os.path.isdir(base):
        sys.exit(f"{base} not found: run ../shared/unpack first")

    editorial = {}
    with open(os.path.join(ROOT, "catalogs", "editorial.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (3 - len(parts))
            editorial[parts[0]] = (parts[1] or None, parts[2] or None)

    tosdr = {}
    if os.path.isfile(args.tosdr):
        with open(args.tosdr, encoding="utf-8") as f:
            for line in f:
                try:
                    s = json.loads(line)
                except ValueError:
                    continue
                name = (s.get("name") or "").strip().lower()
                if name and s.get("url") and s["url"] not in ("None", "none"):
                    tosdr.setdefault(name, (s["id"], s["url"].split(",")[0].strip()))

    # Our terms types (the Rust list in crates/clausewatch-core/src/terms_types.rs).
    with open(os.path.join(ROOT, "crates", "clausewatch-core", "src", "terms_types.rs"), encoding="utf-8") as f:
        known_types = set(re.findall(r'^\s+"([^"]+)",', f.read(), flags=re.M))
    skipped_types = {}

    platforms = {}  # lower-cased name -> entry
    for collection, default_category in COLLECTIONS:
        files = sorted(glob.glob(os.path.join(base, collection, "declarations", "*.json")))
        for path in files:
            if path.endswith(".history.json") or path.endswith(".filters.json"):
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    decl = json.load(f)
            except (ValueError, OSError):
                continue
            name = decl.get("name")
            terms = decl.get("terms")
            if not isinstance(name, str) or not isinstance(terms, dict):
                continue
            key = name.strip().lower()
            origin = f"ota:{collection}/{os.path.basename(path)}"
            entry = platforms.setdefault(
                key,
                {"name": name.strip(), "collections": [], "default_category": default_category, "terms": {}},
            )
            entry["collections"].append(collection)
            if entry["default_category"] is None:
                entry["default_category"] = default_category
            for terms_type, doc in terms.items():
                if terms_type in entry["terms"] or not isinstance(doc, dict):
                    continue  # the first (higher-priority) collection's URLs win
                if terms_type not in known_types:
                    skipped_types[terms_type] = skipped_types.get(terms_type, 0) + 1
                    continue
                urls = []
                for url, scripts in fetch_urls(doc):
                    if url not in [u for u, _ in urls]:
                        urls.append((url, scripts))
                if not urls:
                    continue
                entry["terms"][terms_type] = (urls, origin)

    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.json")):
        os.remove(old)
    used_ids = set()
    written = 0
    for key in sorted(platforms):
        p = platforms[key]
        if not p["terms"]:
            continue
        pid = file_id(p["name"])
        while pid.lower() in used_ids:
            pid += "-2"
        used_ids.add(pid.lower())
        cat, juris = editorial.get(p["name"], (None, None))
        provenance = {"name": f"ota:{p['collections'][0]}"}
        unverified = []
        if cat:
            provenance["category"] = "editorial:catalogs/editorial.tsv"
        elif p["default_category"]:
            cat = p["default_category"]
            provenance["category"] = f"collection:{p['collections'][0]}"
        else:
            cat = "other"
            unverified.append("category")
        if juris:
            provenance["jurisdiction"] = "editorial:catalogs/editorial.tsv"
        else:
            unverified.append("jurisdiction")
        first_url = next(iter(p["terms"].values()))[0][0][0]
        if key in tosdr:
            website = "https://" + tosdr[key][1].removeprefix("https://").removeprefix("http://").rstrip("/") + "/"
            provenance["website"] = f"tosdr:service/{tosdr[key][0]}"
        else:
            website = f"{urlparse(first_url).scheme}://{urlparse(first_url).netloc}/"
            provenance["website"] = "derived:host of the first document URL"
        terms = {}
        for terms_type, (urls, origin) in sorted(p["terms"].items()):
            sources = []
            for url, scripts in urls:
                src = {"fetch": url, "origin": origin}
                if scripts:
                    src["executeClientScripts"] = True
                sources.append(src)
            terms[terms_type] = sources[0] if len(sources) == 1 else {"combine": sources}
        out = {
            "name": p["name"],
            "category": cat,
            "jurisdiction": juris,
            "website": website,
            "provenance": provenance,
            "unverified": unverified,
            "terms": terms,
        }
        with open(os.path.join(OUT, pid + ".json"), "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=2)
            f.write("\n")
        written += 1
    print(f"platforms: {written}", file=sys.stderr)
    for t, n in sorted(skipped_types.items()):
        print(f"skipped documents of unknown terms type {t!r}: {n}", file=sys.stderr)


if __name__ == "__main__":
    main()
