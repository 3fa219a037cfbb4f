#!/usr/bin/env python3
"""Build demo/demo.tar.zst: real raw captures of a few AI-platform documents at two or three
dates, taken from the Open Terms Archive replay states in the shared data (ODC-BY 1.0), with
our own catalog entries (select rules written for this project).

Usage: scripts/make-demo.py [SHARED_DIR]   (default /tmp/clausewatch-shared, from ../shared/unpack)
"""
import io, json, os, subprocess, sys, tarfile

shared = sys.argv[1] if len(sys.argv) > 1 else "/tmp/clausewatch-shared"
states = os.path.join(shared, "fixtures/replay/states")

# (platform id, terms type, dates)
PICKS = [
    ("DeepSeek", "Privacy Policy", ["2025-12-01", "2026-01-01", "2026-03-01"]),
    ("DeepSeek", "Terms of Service", ["2026-03-01", "2026-04-01"]),
    ("DeepSeek", "Developer Terms", ["2026-03-01", "2026-04-01", "2026-05-01"]),
    ("DeepSeek", "Trackers Policy", ["2026-01-01", "2026-02-01"]),
    ("Grok", "Terms of Service", ["2025-12-01", "2026-01-01"]),
    ("Grok", "Privacy Policy", ["2025-12-01", "2026-01-01"]),
]

CATALOG = {
    "DeepSeek": {
        "name": "DeepSeek",
        "category": "AI model provider",
        "jurisdiction": "CN",
        "website": "https://www.deepseek.com",
        "select": ["#write"],
        "remove": [],
    },
    "Grok": {
        "name": "Grok",
        "category": "AI model provider",
        "jurisdiction": "US-NV",
        "website": "https://x.ai",
        "select": [".prose"],
        "remove": ["a[href=\"/legal\"]"],
    },
}

def files_for(date, platform, terms_type):
    manifest = json.load(open(os.path.join(states, date, "manifest.json")))
    out = [f for f in manifest["files"] if f["service"] == platform and f["terms_type"] == terms_type]
    return sorted(out, key=lambda f: f["path"])

def main():
    buf = io.BytesIO()
    captures = []
    catalog = {}
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
        for platform, terms_type, dates in PICKS:
            urls = None
            for date in dates:
                files = files_for(date, platform, terms_type)
                if not files:
                    sys.exit(f"{platform} / {terms_type} missing at {date}")
                this_urls = [f["url"] for f in files]
                if urls is None:
                    urls = this_urls
                sources = []
                for f in files:
                    data = open(os.path.join(states, date, f["path"]), "rb").read()
                    name = f"files/{date}/{f['path']}"
                    add(name, data)
                    sources.append({"url": f["url"], "file": name, "content_type": f.get("media_type", "text/html")})
                captures.append({"platform": platform, "terms_type": terms_type,
                                 "captured_at": f"{date}T00:00:00Z", "sources": sources})
            c = CATALOG[platform]
            entry = catalog.setdefault(platform, {k: c[k] for k in ("name", "category", "jurisdiction", "website")} | {"terms": {}})
            origin = "Open Terms Archive genai-eu collection (replay state)"
            if len(urls) == 1:
                doc = {"fetch": urls[0], "origin": origin}
            else:
                doc = {"combine": [{"fetch": u, "origin": origin} for u in urls]}
            doc["select"] = c["select"]
            if c["remove"]:
                doc["remove"] = c["remove"]
            entry["terms"][terms_type] = doc
        for platform, entry in catalog.items():
            add(f"catalog/{platform}.json", json.dumps(entry, indent=2).encode())
        captures.sort(key=lambda c: (c["captured_at"], c["platform"], c["terms_type"]))
        manifest = {
            "attribution": "Raw captures from Open Terms Archive (https://opentermsarchive.org), "
                           "genai-eu collection, licensed ODC-BY 1.0. The pages belong to their services.",
            "captures": captures,
        }
        add("manifest.json", json.dumps(manifest, indent=2).encode())
    out = os.path.join(os.path.dirname(__file__), "..", "demo", "demo.tar.zst")
    raw = buf.getvalue()
    z = subprocess.run(["zstd", "-19", "-q", "-c"], input=raw, capture_output=True, check=True).stdout
    open(out, "wb").write(z)
    print(f"{len(captures)} captures, {len(raw)} bytes raw, {len(z)} bytes compressed -> {out}")

main()
