#!/usr/bin/env bash
# Cross-checks the SemVer comparators (src/version/semver.rs for npm and
# crates.io, src/version/go.rs for Go) against the real implementations:
#
#   npm  node-semver's `semver.compare` with strict parsing (`npm install
#        semver` into a temporary directory; needs node and npm)
#   go   golang.org/x/mod/semver.Compare (Debian: apt-get install golang-go
#        golang-golang-x-mod-dev; built against /usr/share/gocode)
#
# It generates edge-case pairs (pre-releases, build metadata, leading
# zeros, pseudo-versions, +incompatible) and random pairs, asks each tool
# how every pair orders, then runs the comparators' unit tests on the same
# pairs (they read $SCANGATE_VERSION_PAIRS_DIR/<name>-pairs.txt) and prints
# any mismatch. crates.io versions are ordered by the `semver` crate,
# which is Cargo's own parser, so there is nothing to cross-check there.
#
# Usage: scripts/crosscheck-semver.sh [--random N] [--seed S] [--update]
#   --update  rewrite src/version/testdata/{npm,go}-pairs.txt (seed 1,
#             300 edge-case pairs + 150 random pairs each)
# Exit status: 0 when every pair matched, 1 on mismatches, 2 on setup errors.
set -euo pipefail
cd "$(dirname "$0")/.."

random=3000
seed=""
update=0
while [ $# -gt 0 ]; do
    case "$1" in
        --random) random="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --update) update=1; shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$seed" ] || seed=$RANDOM$RANDOM
for tool in node npm go python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 2; }
done
[ -d /usr/share/gocode/src/golang.org/x/mod/semver ] || {
    echo "error: golang.org/x/mod/semver not found (apt-get install golang-golang-x-mod-dev)" >&2
    exit 2
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$out" && npm install --silent --no-audit --no-fund semver@7 >/dev/null)
semver_version=$(node -p "require('$out/node_modules/semver/package.json').version")

cat >"$out/gen.py" <<'PY'
# Emits version pairs (edge cases + random) on stdout, one "A B" per line.
import random, sys, itertools
seed = int(sys.argv[1]); n = int(sys.argv[2]); go = sys.argv[3] == "go"
random.seed(seed)
edge = ["1.0.0","1.0.0-alpha","1.0.0-alpha.1","1.0.0-alpha.beta","1.0.0-beta","1.0.0-beta.2","1.0.0-beta.11","1.0.0-rc.1","1.0.0+build","1.0.0-rc.1+build.5","2.0.0","2.1.0","2.1.1","1.10.0","1.9.0","0.0.0","0.0.1","10.20.30","1.0.0-0","1.0.0-00","1.0.0-01","01.0.0","1.0","1","v1.0.0","1.0.0-a.b.c","1.0.0-A","1.0.0-a","1.0.0--","1.0.0-x-y","1.2.3-beta.1+sha.1","1.2.3-beta.-1","1.0.0-1a","1.0.0-a1","1.0.0-9","1.0.0-10","1.0.0-alpha..1", "1.0.0.0", "999999999.0.0","9007199254740991.0.0","1.0.0-9007199254740991"]
if go:
    edge = ["v"+e if not e.startswith("v") else e for e in edge] + ["v0.0.0-20210101000000-abcdef123456","v0.0.0-20200101000000-000000000000","v1.2.4-0.20210101000000-abcdef123456","v1.2.3","v2.0.0+incompatible","v2.0.1+incompatible","v1.2.3-pre.0.20210101000000-abcdef123456","v1.2.3-pre","v1.21.0-rc.2","v1.21.0","v1.20.12"]
out = set()
for a, b in itertools.combinations(edge, 2):
    out.add((a, b))
parts_num = ["0","1","2","9","10","11","99"]
pre = ["alpha","beta","rc","0","1","2","10","a","A","x-y","alpha.1","rc.1","0.20210101000000-abcdef123456"]
def rv():
    v = ".".join(random.choice(parts_num) for _ in range(3))
    if random.random() < 0.5:
        v += "-" + ".".join(random.choice(pre) for _ in range(random.randint(1,2)))
    if random.random() < 0.15:
        v += "+" + random.choice(["b1","incompatible","x.y"])
    return ("v" if go else "") + v
edge_pairs = sorted(out)
if len(edge_pairs) > 300:
    edge_pairs = sorted(random.sample(edge_pairs, 300))
random_pairs = [(rv(), rv()) for _ in range(n)]
for a, b in edge_pairs + random_pairs:
    print(a + "\t" + b)
PY
cat >"$out/npm.js" <<'JS'
// Reads "A\tB" lines, prints "A B OP" as node-semver (strict) orders them.
const semver = require(process.argv[2]);
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(l => l.length);
for (const l of lines) {
  const [a, b] = l.split('\t');
  let op;
  if (semver.valid(a) === null || semver.valid(b) === null) op = 'error';
  else op = ['<', '=', '>'][semver.compare(a, b) + 1];
  console.log(`${a} ${b} ${op}`);
}
JS
mkdir -p "$out/gocmp"
cat >"$out/gocmp/main.go" <<'GO'
// Reads "A\tB" lines, prints "A B OP" as golang.org/x/mod/semver orders
// them ("error" when semver.IsValid refuses A or B).
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Split(in.Text(), "\t")
		a, b := f[0], f[1]
		op := "error"
		if semver.IsValid(a) && semver.IsValid(b) {
			op = map[int]string{-1: "<", 0: "=", 1: ">"}[semver.Compare(a, b)]
		}
		fmt.Printf("%s %s %s\n", a, b, op)
	}
}
GO
(cd "$out/gocmp" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= go build -o "$out/gocmp/gocmp" .)
go_version="$(dpkg-query -W -f='${Version}' golang-golang-x-mod-dev 2>/dev/null || echo unknown), $(go version | awk '{print $3}')"

ask() { # scheme seed n
    case "$1" in
        npm) python3 "$out/gen.py" "$2" "$3" npm | node "$out/npm.js" "$out/node_modules/semver" ;;
        go) python3 "$out/gen.py" "$2" "$3" go | "$out/gocmp/gocmp" ;;
    esac
}
header() { # scheme
    case "$1" in
        npm) echo "# npm version pairs: \`A B OP\`, OP as answered by node-semver $semver_version \`semver.compare\` (strict parsing;"
             echo "# \`error\`: \`semver.valid\` refused A or B). 300 edge-case pairs, then 150 random pairs" ;;
        go) echo "# Go version pairs: \`A B OP\`, OP as answered by golang.org/x/mod/semver.Compare"
            echo "# ($go_version; \`error\`: semver.IsValid refused A"
            echo "# or B). 300 edge-case pairs (pseudo-versions, +incompatible), then 150 random" ;;
    esac
    echo "# (seed 1). Generated by scripts/crosscheck-semver.sh --update; checked by the"
    echo "# comparator's unit tests, each pair in both directions."
}

mkdir -p "$out/pairs"
for scheme in npm go; do
    ask "$scheme" "$seed" "$random" >"$out/pairs/$scheme-pairs.txt"
    echo "$scheme: $(grep -c . "$out/pairs/$scheme-pairs.txt") pairs (seed $seed)"
    if [ "$update" = 1 ]; then
        { header "$scheme"; ask "$scheme" 1 150; } >"src/version/testdata/$scheme-pairs.txt"
    fi
done

if SCANGATE_VERSION_PAIRS_DIR="$out/pairs" cargo test --quiet --lib -- \
    version::semver::tests::pairs_captured_from_node_semver \
    version::go::tests::pairs_captured_from_x_mod_semver --nocapture; then
    echo "all pairs match"
else
    exit 1
fi
