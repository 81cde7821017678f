#!/usr/bin/env bash
# Benchmark importing NVD's whole CVE corpus: a generated feed of 300,000
# CVE API 2.0 records shaped like NVD's (descriptions, references, a
# configuration, a v3.1 Primary metric on most, a CNA's Secondary on some,
# v2 on the older ones), gzipped as NVD publishes it, imported with
# `scangate db import`; then a `modified` feed of 10,000 records.
#
#   benches/nvd-import.sh [RECORDS]        # default 300000
#
# Prints wall time, CPU time and peak RSS (/usr/bin/time -v) of each
# import and what the NVD table adds to the database file.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-300000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
python3 - "$work" "$records" <<'PY'
import gzip, json, random, sys
work, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
def record(i, modified):
    year = 1999 + i * 27 // n
    cve = f"CVE-{year}-{10000 + i}"
    metrics = {}
    if rng.random() < 0.85:
        metrics["cvssMetricV31"] = [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
            "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "baseScore": 9.8, "baseSeverity": "CRITICAL"}, "exploitabilityScore": 3.9, "impactScore": 5.9}]
    if rng.random() < 0.4:
        metrics.setdefault("cvssMetricV31", []).append({"source": "security@vendor.example", "type": "Secondary", "cvssData": {
            "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
            "baseScore": 6.5, "baseSeverity": "MEDIUM"}, "exploitabilityScore": 2.8, "impactScore": 3.6})
    if year < 2016:
        metrics["cvssMetricV2"] = [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
            "version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "baseScore": 7.5},
            "baseSeverity": "HIGH", "exploitabilityScore": 10.0, "impactScore": 6.4}]
    return {"cve": {"id": cve, "sourceIdentifier": "cve@mitre.org", "published": f"{year}-03-01T00:00:00.000",
        "lastModified": modified, "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "en", "value": "A buffer overflow in the example parser allows remote attackers to execute code via a crafted file. " * 3}],
        "metrics": metrics,
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary", "description": [{"lang": "en", "value": "CWE-787"}]}],
        "configurations": [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": [{"vulnerable": True,
            "criteria": "cpe:2.3:a:example:parser:*:*:*:*:*:*:*:*", "versionEndExcluding": "2.4.1",
            "matchCriteriaId": "6F3B3A4C-0000-4000-8000-000000000000"}]}]}],
        "references": [{"url": f"https://example.org/advisories/{cve}", "source": "cve@mitre.org", "tags": ["Vendor Advisory"]}] * 3}}
def feed(path, items):
    with gzip.open(path, "wt", compresslevel=6) as f:
        json.dump({"resultsPerPage": len(items), "startIndex": 0, "totalResults": len(items), "format": "NVD_CVE",
                   "version": "2.0", "timestamp": "2026-12-01T00:00:00.000", "vulnerabilities": items}, f)
feed(f"{work}/nvdcve-2.0-all.json.gz", [record(i, "2026-01-01T00:00:00.000") for i in range(n)])
feed(f"{work}/nvdcve-2.0-modified.json.gz", [record(i, "2026-12-01T00:00:00.000") for i in range(0, n, max(1, n // 10000))])
PY
ls -l "$work"/*.gz
measure() {
  /usr/bin/time -v "$@" 2>"$work/time" >/dev/null
  awk -F': ' '/Elapsed \(wall/ {w=$2} /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {r=$2}
    END {printf "  wall %s, cpu %.1fs, peak RSS %.0f MB\n", w, u+s, r/1024}' "$work/time"
}
cache="$work/cache"
echo "== empty database"
target/release/scangate --cache-dir "$cache" db import /dev/null 2>/dev/null || true
before=$(stat -c %s "$cache/db/osv.sqlite" 2>/dev/null || echo 0)
echo "== import $records records"
measure target/release/scangate --cache-dir "$cache" db import "$work/nvdcve-2.0-all.json.gz"
after=$(stat -c %s "$cache/db/osv.sqlite")
echo "  database grew by $(( (after - before) / 1048576 )) MB"
echo "== refresh from the modified feed"
measure target/release/scangate --cache-dir "$cache" db import "$work/nvdcve-2.0-modified.json.gz"
