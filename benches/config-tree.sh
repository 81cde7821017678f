#!/usr/bin/env bash
# Times `scangate config` on a generated 10,000-file tree: 100 directories of
# 99 files (MANIFESTS_PER_DIR Kubernetes manifests, default 2, each breaking
# about 20 rules; the rest Rust sources, Markdown and YAML that is not a
# manifest), 100 workflows, plus a .gitignore'd directory of 500 manifests.
# Usage: [MANIFESTS_PER_DIR=20] benches/config-tree.sh [path/to/scangate]
set -euo pipefail
bin=${1:-target/release/scangate}
per_dir=${MANIFESTS_PER_DIR:-2}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
manifest='apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:latest
          securityContext:
            privileged: true'
workflow='on: pull_request_target
jobs:
  b:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"'
mkdir -p "$root/.github/workflows" "$root/ignored"
echo "ignored/" > "$root/.gitignore"
for d in $(seq 1 100); do
  mkdir -p "$root/d$d"
  for f in $(seq 1 "$per_dir"); do printf '%s\n' "$manifest" > "$root/d$d/m$f.yaml"; done
  for f in $(seq 1 $((79 - per_dir))); do printf 'fn main() { println!("%d"); }\n' "$f" > "$root/d$d/s$f.rs"; done
  for f in $(seq 1 10); do printf '# doc %d\n' "$f" > "$root/d$d/r$f.md"; done
  for f in $(seq 1 10); do printf 'key: value\nlist: [1, 2]\n' > "$root/d$d/c$f.yml"; done
  printf '%s\n' "$workflow" > "$root/.github/workflows/w$d.yml"
done
for f in $(seq 1 500); do printf '%s\n' "$manifest" > "$root/ignored/m$f.yaml"; done
echo "files: $(find "$root" -type f -not -path "$root/ignored/*" | wc -l) (+500 ignored)"
"$bin" config "$root" -f json -o /dev/null # warm the page cache
for i in 1 2 3; do
  /usr/bin/time -f "run $i: %es wall, %Us user, %Ss sys, %MKB max RSS" "$bin" config "$root" -f json -o /dev/null
done
