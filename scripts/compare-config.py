#!/usr/bin/env python3
"""Compare scangate's Terraform and Dockerfile checks with `trivy config`.

Usage: scripts/compare-config.py DIR [TRIVY_JSON]

Runs `cargo run --example config_check -- DIR` and, unless TRIVY_JSON (a
saved `trivy config -f json DIR` report) is given, `trivy config
--skip-check-update -f json DIR`. Matches findings by Trivy id (our rule's
aliases) + file + line: a Trivy finding without a line (file-level) matches
ours on any line of the same file. Prints, per file type, what both report,
what only Trivy reports and what only we report, by rule id.
"""
import collections
import json
import os
import subprocess
import sys

TYPES = {"terraform", "dockerfile"}


def ours(root):
    out = subprocess.run(
        ["cargo", "run", "-q", "--example", "config_check", "--", root],
        check=True, capture_output=True, text=True,
    )
    sys.stderr.write(out.stderr)
    return [json.loads(line) for line in out.stdout.splitlines() if line]


def trivy(root, saved):
    if saved:
        with open(saved) as f:
            report = json.load(f)
    else:
        binary = os.environ.get("TRIVY", "trivy")
        out = subprocess.run(
            [binary, "config", "--skip-check-update", "-q", "-f", "json", root],
            check=True, capture_output=True, text=True,
        )
        report = json.loads(out.stdout)
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
            })
    return found


def main():
    root = sys.argv[1]
    saved = sys.argv[2] if len(sys.argv) > 2 else None
    mine = ours(root)
    theirs = trivy(root, saved)
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
                    (t["line"] == 0 or f["start_line"] <= t["line"] <= f["end_line"])), None)
        if hit is None:
            # Trivy points at a resource's first line for missing settings;
            # we point at the header too, so a near miss is a line mismatch.
            hit = next((f for f in candidates if not f["matched"]), None)
            kind = "both (other line)" if hit else "only trivy"
        else:
            kind = "both"
        if hit:
            hit["matched"] = True
        stats[t["type"]][(kind, t["id"])] += 1
        if kind != "both" and os.environ.get("VERBOSE"):
            print(f"  {kind}: {t['id']} {t['path']}:{t['line']}")
    for f in mine:
        if not f["matched"]:
            key = f["aliases"][0] if f["aliases"] else f["id"]
            stats[f["type"]][("only us", f"{f['id']} {key}")] += 1
            if os.environ.get("VERBOSE"):
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
