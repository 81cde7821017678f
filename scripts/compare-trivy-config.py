#!/usr/bin/env python3
"""Compares scangate's config findings with Trivy's on one tree.

Usage: compare-trivy-config.py SCANGATE.json TRIVY.json [--details]

SCANGATE.json: `scangate config DIR -f json`; TRIVY.json: `trivy config
--skip-check-update -f json DIR` (same DIR). A Trivy failure and one of ours
are the same finding when they are in the same file, our rule lists Trivy's
id among its aliases, and our start line falls inside Trivy's line range
(Trivy reports a whole container or resource; we point at the key); a
Trivy failure without lines (KSV-0117, KSV-0108, KSV-0109 report none)
matches ours anywhere in the same file.
Prints, per file type and per Trivy id: both, only Trivy, only scangate.
"""
import collections
import json
import sys


def ours(path):
    report = json.load(open(path))
    for t in report["targets"]:
        if t.get("kind") != "config":
            continue
        for m in t["misconfigurations"]:
            yield t["type"], m["path"], m["id"], set(m["aliases"]), m["start_line"]


def theirs(path):
    report = json.load(open(path))
    for r in report.get("Results", []):
        for m in r.get("Misconfigurations") or []:
            if m.get("Status") != "FAIL":
                continue
            cause = m.get("CauseMetadata", {})
            start = cause.get("StartLine") or 0
            end = cause.get("EndLine") or start
            yield r["Type"], r["Target"], m["ID"], start, end


def main():
    details = "--details" in sys.argv
    mine = [m for m in ours(sys.argv[1]) if m[0] == "kubernetes"]
    trivy = [t for t in theirs(sys.argv[2]) if t[0] in ("kubernetes", "github")]
    used = set()
    both = collections.Counter()
    only_trivy = collections.Counter()
    for kind, path, tid, start, end in trivy:
        match = next(
            (
                i
                for i, (_, p, _, aliases, line) in enumerate(mine)
                if i not in used
                and p == path
                and tid in aliases
                and (start == 0 or start <= line <= max(end, start))
            ),
            None,
        )
        if match is None:
            only_trivy[tid] += 1
            if details:
                print("only trivy:", tid, path, start, end)
        else:
            used.add(match)
            both[tid] += 1
    only_us = collections.Counter()
    for i, (kind, path, rid, aliases, line) in enumerate(mine):
        if i not in used:
            key = next((a for a in sorted(aliases) if a.startswith("KSV-")), rid)
            only_us[f"{rid} ({key})" if key != rid else rid] += 1
            if details:
                print("only scangate:", rid, path, line)
    print(f"trivy {len(trivy)} (kubernetes), scangate {len(mine)}")
    print(f"both: {sum(both.values())}, only trivy: {sum(only_trivy.values())}, only scangate: {sum(only_us.values())}")
    ids = sorted(set(both) | set(only_trivy))
    print("\ntrivy id       both  only-trivy")
    for tid in ids:
        print(f"{tid:12} {both[tid]:6} {only_trivy[tid]:10}")
    print("\nonly scangate:")
    for rid, n in sorted(only_us.items()):
        print(f"  {rid}: {n}")


main()
