#!/usr/bin/env bash
# Cross-checks scangate's version comparators (src/version/) against the real
# package managers: generates edge-case and random version pairs, asks the
# real tool how each pair orders, then runs scangate's comparators on the
# same pairs (through `cargo test`, which reads them from
# $SCANGATE_VERSION_PAIRS_DIR) and prints every mismatch.
#
#   dpkg  `dpkg --compare-versions` (the dpkg package)
#   rpm   python3-rpm: rpm.ver(a) vs rpm.ver(b), i.e. rpmverCmp; every answer
#         is also checked against rpm.labelCompare
#   pep440  packaging.version.Version, the PEP 440 implementation of pip
#         (and OSV's PyPI tooling), if some python3 has `packaging`
#         (pip install packaging); otherwise reported as not run
#   apk   only if $APK names a command that answers like apk-tools 3's
#         `apk version -t A B` (prints <, = or >; exits 1 on an invalid
#         version). There is no apk on Debian: without it the apk check is
#         reported as not run, and `cargo test` still checks the checked-in
#         testdata/apk-pairs.txt. $APK_LABEL, if set, names the tool in the
#         rewritten table's header.
#
# Usage: scripts/crosscheck-versions.sh [--random N] [--seed S] [--update]
#   --random N  random pairs per scheme (default 3000)
#   --seed S    random seed (default: a new one, printed)
#   --update    also rewrite src/version/testdata/<scheme>-pairs.txt: 300
#               edge-case pairs plus 150 random pairs, all of seed 1
#               (keep those files small and readable)
# Needs: dpkg, python3 with the rpm module (Debian: apt-get install
# python3-rpm; the script uses /usr/bin/python3 when it has the module).
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

python=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import rpm' 2>/dev/null; then
        python="$p"
        break
    fi
done
if [ -z "$python" ]; then
    echo "error: no python3 with the rpm module (apt-get install python3-rpm)" >&2
    exit 2
fi
command -v dpkg >/dev/null || { echo "error: dpkg not found" >&2; exit 2; }

packaging_python=""
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import packaging.version' 2>/dev/null; then
        packaging_python=$(command -v "$p")
        break
    fi
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export APK="${APK:-}" PACKAGING_PYTHON="$packaging_python"

"$python" - "$out" "$random" "$seed" "$update" <<'PY'
import concurrent.futures
import itertools
import os
import random
import re
import subprocess
import sys

import rpm

out, n_random, seed, update = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"

# ---- the real tools -------------------------------------------------------

def dpkg_cmp(a, b):
    def rel(op):
        r = subprocess.run(["dpkg", "--compare-versions", "--", a, op, b],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode not in (0, 1):
            return None
        return r.returncode == 0
    lt = rel("lt")
    if lt is None:
        return "error"
    if lt:
        return "<"
    return "=" if rel("eq") else ">"

def rpm_cmp(a, b):
    x, y = rpm.ver(a), rpm.ver(b)
    op = "<" if x < y else ">" if x > y else "="
    lc = rpm.labelCompare(a, b)
    assert {"<": -1, "=": 0, ">": 1}[op] == lc, (a, b, op, lc)
    return op

PACKAGING_PYTHON = os.environ.get("PACKAGING_PYTHON", "")

def pep440_cmp_all(pairs):
    """Asks packaging about all pairs in one process (it may live in another
    python than the rpm module)."""
    code = r"""
import sys
from packaging.version import Version, InvalidVersion
for line in sys.stdin.read().split("\0")[:-1]:
    a, b = line.split("\1")
    try:
        x, y = Version(a), Version(b)
    except InvalidVersion:
        print("error")
        continue
    print("<" if x < y else ">" if x > y else "=")
"""
    data = "".join(f"{a}\1{b}\0" for a, b in pairs)
    r = subprocess.run([PACKAGING_PYTHON, "-c", code], input=data, capture_output=True,
                       text=True, check=True)
    answers = r.stdout.split()
    assert len(answers) == len(pairs)
    return answers

APK = os.environ.get("APK", "")

def apk_cmp(a, b):
    r = subprocess.run(APK.split() + ["version", "-t", a, b], capture_output=True, text=True)
    if r.returncode != 0:
        return "error"
    op = r.stdout.strip()
    assert op in ("<", "=", ">"), (a, b, r.stdout)
    return op

# ---- version generators ---------------------------------------------------

def digits(r):
    k = r.random()
    if k < 0.55:
        return str(r.randint(0, 12))
    if k < 0.75:
        return r.choice(["0", "00", "01", "007", "10", "010", "100"])
    if k < 0.9:
        return str(r.randint(0, 99999))
    return r.choice(["18446744073709551615", "18446744073709551616",
                     "0000000000000000000001", "9" * 30, "20240101", "20240101123456"])

def dpkg_version(r):
    parts = [digits(r)]
    if r.random() < 0.05:
        parts = [r.choice(["a", "z", "A", "~", "+"])]  # upstream not starting with a digit
    for _ in range(r.randint(0, 4)):
        sep = r.choice([".", ".", ".", "+", "~", "-", ":", "", "", "_", "é"])
        tok = r.choice([digits(r), digits(r), "a", "b", "z", "A", "Z", "rc", "beta",
                        "dfsg", "git", "~", "+", "."])
        parts.append(sep + tok)
    v = "".join(parts)
    if r.random() < 0.5:
        rev = r.choice(["1", "2", "0", "10", "1ubuntu1", "1+b1", "1~bpo1", "0+deb12u1",
                        "1.1", "a", "1~", "1+", digits(r)])
        if r.random() < 0.2:
            rev += r.choice(["~", "+", ".", "~rc1", "ubuntu0.1", "+deb11u2"])
        v += "-" + rev
    k = r.random()
    if k < 0.15:
        v = r.choice(["0", "1", "2", "10", "00"]) + ":" + v
    elif k < 0.18:
        v = r.choice(["2147483647", "2147483648", "+1", "-0", "a", "", "-1", "1a"]) + ":" + v
    return v

def mutate(r, v, alphabet):
    s = list(v)
    for _ in range(r.randint(1, 2)):
        op = r.random()
        i = r.randint(0, len(s))
        if op < 0.4 and s:
            s[min(i, len(s) - 1)] = r.choice(alphabet)
        elif op < 0.7:
            s.insert(i, r.choice(alphabet))
        elif s:
            del s[min(i, len(s) - 1)]
    return "".join(s)

DPKG_ALPHABET = list("0123456789.+~-:abzAZ_é")

def rpm_version(r):
    parts = [digits(r) if r.random() < 0.9 else r.choice(["a", "xyz", "~", "^"])]
    for _ in range(r.randint(0, 4)):
        sep = r.choice([".", ".", ".", "_", "+", "~", "^", "", "", "é"])
        tok = r.choice([digits(r), digits(r), "a", "b", "rc", "git", "p", "fc", "el", "Z"])
        parts.append(sep + tok)
    v = "".join(parts)
    if r.random() < 0.7:
        rel = r.choice(["1", "2", "10", "1.el8", "1.el8_6", "1.el9", "2.el8_6.1", "0.1.rc1",
                        "1~", "1^", "1.fc39", "1.module+el8.5.0+1", digits(r)])
        v += "-" + rel
    k = r.random()
    if k < 0.2:
        v = r.choice(["0", "1", "2", "10", "00", "", "9999999999999999999999"]) + ":" + v
    elif k < 0.22:
        v = r.choice(["a", "1a", "-1"]) + ":" + v
    return v

RPM_ALPHABET = list("0123456789.-_+~^:abzAZé")

def rpm_in_scope(v):
    """scangate refuses an empty version part (rpm would compare it); such
    pairs are not asked of rpm. Mirrors rpmverParse's split."""
    if not v or "\0" in v:
        return False
    i = 0
    while i < len(v) and v[i].isascii() and v[i].isdigit():
        i += 1
    rest = v[i + 1:] if i < len(v) and v[i] == ":" else v
    version = rest.rsplit("-", 1)[0] if "-" in rest else rest
    return version != ""

def apk_version(r):
    v = digits(r)
    for _ in range(r.randint(0, 3)):
        v += "." + digits(r)
    if r.random() < 0.2:
        v += r.choice("abcz")
    for _ in range(r.choices([0, 1, 2], [6, 3, 1])[0]):
        v += "_" + r.choice(["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"])
        if r.random() < 0.6:
            v += digits(r)
    if r.random() < 0.1:
        v += "~" + r.choice(["1234", "abcd", "deadbeef", "0a", "f"])
    if r.random() < 0.6:
        v += "-r" + digits(r)
    return v

APK_ALPHABET = list("0123456789._-rabz~") + ["_p", "_rc", "-r"]

def apk_in_scope(v):
    """apk-tools reads numbers into a uint64_t that silently wraps, so it
    orders 18446744073709551616 (2^64) like 0; scangate compares digit runs
    exactly. That divergence is deliberate (see src/version/apk.rs), so such
    pairs are not asked of apk."""
    return all(int(run) < 2**64 for run in re.findall(r"[0-9]+", v))

def pep440_version(r):
    v = r.choice(["", "", "", "", "v", "1!", "0!", "2!"])
    v += ".".join(digits(r) for _ in range(r.randint(1, 4)))
    if r.random() < 0.4:
        v += r.choice(["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", ".a", "-rc", "_b"])
        if r.random() < 0.8:
            v += digits(r)
    if r.random() < 0.3:
        v += r.choice([".post", "post", "-", ".r", "rev", "-post"]) + digits(r)
    if r.random() < 0.25:
        v += r.choice([".dev", "dev", "-dev"]) + (digits(r) if r.random() < 0.8 else "")
    if r.random() < 0.2:
        v += "+" + ".".join(r.choice(["ubuntu", "1", "abc", "2", "local", "10", "Z", "0"])
                            for _ in range(r.randint(1, 3)))
    if r.random() < 0.05:
        v = v.upper()
    return v

PEP440_ALPHABET = list("0123456789.!+-_abcrv") + ["dev", "post", "rc"]

def pep440_in_scope(v):
    """packaging has unbounded integers; scangate (pep440_rs) refuses
    numbers from 2^64 - 1 on (an error, never a wrong order). Deliberate,
    so such pairs are not asked of packaging."""
    return all(int(run) < 2**64 - 1 for run in re.findall(r"[0-9]+", v))

# ---- edge cases -----------------------------------------------------------

DPKG_EDGE = """
0 00 0:0 0:0-0 1 1.0 1.00 01.0 1.0-0 1.0-1 1.0-01 1.0~ 1.0~~ 1.0~~a 1.0~a 1.0~rc1
1.0+ 1.0. 1.0a 1.0A 1.0z 1.0-1+b1 1.0-1.1 1.0-1~bpo1 1.0+b1 1:0.1 2.0 1:1.0
2:0 2147483647:0 2147483648:0 +1:1.0 -0:1.0 00:1.0 a:1.0 1a:1.0 :1.0 1: 1.0-
-1 1:-1 abc abc3 ~ ~~ 1.0_1 1.0é 1.0-1:2 1:2:3 1:2:3-4 1.2-3-4 1.2-3-3
1.0-1ubuntu1 1.0-1ubuntu1.1 1.0-1ubuntu1~20.04 1.1.1n-0+deb11u3 1.1.1n-0+deb11u4
18446744073709551615 18446744073709551616 1.18446744073709551616 0.0 0.0.0
""".split()

RPM_EDGE = """
1 1.0 1.00 01.0 1_0 1..0 1.0. 1.0a 1.0aa 1.0.1 1.0~rc1 1.0~rc1~git1 1.0~ 1.0^
1.0^git1 1.0^git1~pre 1.0~rc1^git1 1.01 a xyz.4 8 2 1.0-1 1.0-2 1.0-10 1.0-
1.0-. 1.0-0 0:1.0 1:1.0 :1.0 00:1.0 10:1.0 9:1.0 a:1.0 1a:1.0 1.0-2-3 1.0-3-1
4.4.20-1.el8_6 4.4.20-2.el8 1:4.4.20-1.el8_6 2.28-225.el8 2.28-225.el8_8.6
1b.fc17 1.fc17 1g.fc17 1.1.é 1.1.ü 1.18446744073709551616 ~ ^ + 1.0+1 1.0_1
5.5p1 5.5p10 10xyz 10.1xyz 6.0.rc1 6.0 10.0001 10.1 10.0039
""".split()

APK_EDGE = """
0 1 1.0 1.00 1.01 1.001 1.0.0 1.05 1.5 1.050 1.1 1.10 1.9 006 1.0a 1.0b 1.0z
1.0_alpha 1.0_alpha1 1.0_alpha_pre2 1.0_beta 1.0_pre 1.0_rc 1.0_rc1 1.0_rc10
1.0_cvs 1.0_svn 1.0_git 1.0_git20240101 1.0_hg 1.0_p 1.0_p1 1.0_p10 1.0-r0
1.0-r1 1.0-r10 1.0~1234 1.0~abc 1.0~abc-r1 1.0a_p1 1.0a_alpha 8.2.0 8.2.001
8.2.0015 8.2.002 1.0bc 0.1a1 1.0_foo 1.0-r 1.0-r1-r2
18446744073709551615 1.18446744073709551615 1.0_p18446744073709551615
""".split()

PEP440_EDGE = """
0 1 1.0 1.0.0 v1.0 1!0.1 0!1.0 1.0.dev0 1.0dev 1.0a1.dev1 1.0a1 1.0alpha1 1.0a
1.0b1 1.0rc1 1.0c1 1.0pre1 1.0.post1 1.0-1 1.0r1 1.0.post1.dev1 1.0+abc 1.0+abc.5
1.0+5 1.0+ubuntu-1 1.0.1 1.1.dev1 2004d 1.0-beta-2 1.0.* 1..0
18446744073709551614 1.0.dev18446744073709551614 1.0.post18446744073709551614
""".split()

# ---- run ------------------------------------------------------------------

def edge_pairs(edge):
    return [(a, b) for a, b in itertools.combinations(edge, 2)]

def random_pairs(gen, alphabet, count, rng, in_scope=lambda v: True):
    pairs = []
    while len(pairs) < count:
        a = gen(rng)
        k = rng.random()
        b = gen(rng) if k < 0.3 else mutate(rng, a, alphabet) if k < 0.9 else a
        if a and b and not any(c.isspace() for c in a + b) and in_scope(a) and in_scope(b):
            pairs.append((a, b))
    return pairs

def ask(tool, pairs):
    if tool is None:
        return pep440_cmp_all(pairs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as ex:
        return list(ex.map(lambda p: tool(*p), pairs))

def write(path, header, pairs, answers):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        for (a, b), op in zip(pairs, answers):
            f.write(f"{a} {b} {op}\n")

schemes = [
    ("dpkg", dpkg_cmp, DPKG_EDGE, dpkg_version, DPKG_ALPHABET, lambda v: True,
     "dpkg --compare-versions (dpkg %s)" % subprocess.run(
         ["dpkg-query", "-W", "-f=${Version}", "dpkg"], capture_output=True, text=True).stdout),
    ("rpm", rpm_cmp, [v for v in RPM_EDGE if rpm_in_scope(v)], rpm_version, RPM_ALPHABET,
     rpm_in_scope, "python3-rpm %s rpm.ver comparison (rpmverCmp)" % rpm.__version__),
]
if PACKAGING_PYTHON:
    version = subprocess.run([PACKAGING_PYTHON, "-c", "import packaging; print(packaging.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    schemes.append(("pep440", None, PEP440_EDGE, pep440_version, PEP440_ALPHABET, pep440_in_scope,
                    f"packaging {version} Version comparison"))
else:
    print("pep440: not checked here (no python3 with packaging: pip install packaging)")
if APK:
    schemes.append(("apk", apk_cmp, APK_EDGE, apk_version, APK_ALPHABET, apk_in_scope,
                    os.environ.get("APK_LABEL") or "apk version -t (%s)" % APK))
else:
    print("apk: not checked here ($APK unset; there is no apk-tools on Debian)")

stale = 0
for name, tool, edge, gen, alphabet, in_scope, source in schemes:
    # The checked-in table must still be what the tool answers.
    table = f"src/version/testdata/{name}-pairs.txt"
    rows = [l.split() for l in open(table, encoding="utf-8")
            if l.strip() and not l.startswith("#")]
    answers = ask(tool, [(a, b) for a, b, _ in rows])
    n_stale = 0
    for (a, b, op), got in zip(rows, answers):
        if op != got:
            n_stale += 1
            print(f"STALE {table}: {a} {b} {op}, but {source} now says {got}")
    stale += n_stale
    print(f"{name}: {table}: {len(rows)} pairs re-asked, {n_stale} stale")

    rng = random.Random(seed)
    pairs = edge_pairs(edge) + random_pairs(gen, alphabet, n_random, rng, in_scope)
    answers = ask(tool, pairs)
    write(os.path.join(out, f"{name}-pairs.txt"), "", pairs, answers)
    print(f"{name}: asked {source} about {len(pairs)} pairs "
          f"({len(edge_pairs(edge))} edge-case, {n_random} random, seed {seed})")
    if update:
        rng = random.Random(1)
        edges = edge_pairs(edge)
        pairs = rng.sample(edges, min(300, len(edges)))
        pairs += random_pairs(gen, alphabet, 150, rng, in_scope)
        answers = ask(tool, pairs)
        header = (f"# {name} version pairs: `A B OP`, OP as answered by {source}\n"
                  "# (`error`: the tool refused A or B). 300 pairs of edge cases, then 150\n"
                  "# random pairs (seed 1). Generated by scripts/crosscheck-versions.sh --update;\n"
                  "# checked by the comparator's unit tests, each pair in both directions.\n")
        write(f"src/version/testdata/{name}-pairs.txt", header, pairs, answers)
        print(f"{name}: rewrote src/version/testdata/{name}-pairs.txt ({len(pairs)} pairs)")
sys.exit(1 if stale and not update else 0)
PY

echo "== scangate on the same pairs (cargo test)"
log="$out/cargo-test.log"
status=0
SCANGATE_VERSION_PAIRS_DIR="$out" cargo test --quiet --lib -- pairs_captured \
    --nocapture --test-threads=1 >"$log" 2>&1 || status=$?
if ! grep -o 'crosscheck .*' "$log"; then
    tail -n 40 "$log"
    echo "error: cargo test checked no pairs" >&2
    exit 2
fi
grep -h 'tool says' "$log" | sed 's/^/MISMATCH /' || true
if [ "$status" -ne 0 ]; then
    if ! grep -q 'tool says' "$log"; then
        tail -n 40 "$log"
        echo "cargo test failed (see above)" >&2
        exit 2
    fi
    exit 1
fi
echo "all pairs match"
