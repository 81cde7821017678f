#!/usr/bin/env python3
"""Compare scangate's Terraform and Dockerfile checks with `trivy config`.

Usage: scripts/compare-config.py SCANGATE.json TRIVY.json [--details]

SCANGATE.json: `scangate config DIR -f json`; TRIVY.json: `trivy config
--skip-check-update -f json DIR` (same DIR). Matches findings by Trivy id
(our rule's aliases) + file + line: ours must start inside Trivy's line
range, and a Trivy finding without a line (file-level, such as a missing
USER) matches ours on any line of the same file. Prints, per file type,
what both report, what only Trivy reports and what only we report, by id.
(scripts/compare-trivy-config.py does the same for Kubernetes and
workflows.)
"""
import collections
import json
import sys

TYPES = {"terraform", "dockerfile"}


def ours(path):
    with open(path) as f:
        report = json.load(f)
    found = []
    for target in report["targets"]:
        if target.get("kind") != "config" or target["type"] not in TYPES:
            continue
        for m in target["misconfigurations"]:
            found.append({"type": target["type"], **m})
    return found


def trivy(path):
    with open(path) as f:
        report = json.load(f)
    found = []
    for result in report.get("Results") or []:
        if result.get("Type") not in TYPES:
            continue
        for m in result.get("Misconfigurations") or []:
            if m.get("Status") != "FAIL":
                continue
            cause = m.get("CauseMetadata") or {}
            found.append({
                "type": result["Type"],
                "path": result["Target"],
                "id": m["ID"],
                "line": cause.get("StartLine") or 0,
                "end": cause.get("EndLine") or cause.get("StartLine") or 0,
            })
    return found


def main():
    details = "--details" in sys.argv
    mine = ours(sys.argv[1])
    theirs = trivy(sys.argv[2])
    # Our findings indexed by (Trivy id, path): the lines we report there.
    index = collections.defaultdict(list)
    for f in mine:
        f["matched"] = False
        for alias in f["aliases"]:
            index[(alias, f["path"])].append(f)
    stats = collections.defaultdict(lambda: collections.Counter())
    for t in theirs:
        candidates = index.get((t["id"], t["path"]), [])
        hit = next((f for f in candidates if not f["matched"] and
                    (t["line"] == 0 or t["line"] <= f["start_line"] <= t["end"])), None)
        if hit is None:
            # Same rule and file, but our line is outside Trivy's range.
            hit = next((f for f in candidates if not f["matched"]), None)
            kind = "both (other line)" if hit else "only trivy"
        else:
            kind = "both"
        if hit:
            hit["matched"] = True
        stats[t["type"]][(kind, t["id"])] += 1
        if kind != "both" and details:
            print(f"  {kind}: {t['id']} {t['path']}:{t['line']}")
    for f in mine:
        if not f["matched"]:
            key = f["aliases"][0] if f["aliases"] else f["id"]
            stats[f["type"]][("only us", f"{f['id']} {key}")] += 1
            if details:
                print(f"  only us: {f['id']} {f['path']}:{f['start_line']} {f['message']}")
    for file_type in sorted(stats):
        counts = stats[file_type]
        print(f"== {file_type}")
        for kind in ["both", "both (other line)", "only trivy", "only us"]:
            rows = {rule: n for (k, rule), n in counts.items() if k == kind}
            total = sum(rows.values())
            detail = ", ".join(f"{rule}×{n}" for rule, n in sorted(rows.items()))
            print(f"  {kind}: {total}" + (f"  ({detail})" if detail else ""))


if __name__ == "__main__":
    main()
