#!/usr/bin/env bash
# Cross-checks the RubyGems and Composer comparators (src/version/rubygems.rs,
# src/version/composer.rs) against the real implementations, from Debian:
#
#   rubygems  Gem::Version#<=> (apt-get install ruby)
#   composer  composer/semver: VersionParser::normalize on both sides, then
#             Comparator::compare (apt-get install php-cli php-composer-semver)
#
# NuGet has no implementation installable here (no .NET); its comparator is
# tested against NuGet.Client's own test vectors instead (src/version/nuget.rs).
#
# It generates edge-case pairs and random pairs, asks each tool how every
# pair orders (`error` when it refuses one side), then runs the comparators'
# unit tests on the same pairs ($SCANGATE_VERSION_PAIRS_DIR/<name>-pairs.txt)
# and prints any mismatch.
#
# Usage: scripts/crosscheck-langs.sh [--random N] [--seed S] [--update]
#   --update  rewrite src/version/testdata/{rubygems,composer}-pairs.txt
#             (seed 1, edge-case pairs + 200 random pairs each)
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
for tool in ruby php python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 2; }
done
semver_dir=/usr/share/php/Composer/Semver
[ -f "$semver_dir/autoload.php" ] || {
    echo "error: composer/semver not found (apt-get install php-composer-semver)" >&2
    exit 2
}
if [ "$update" = 1 ]; then seed=1; random=200; fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cat >"$out/gen.py" <<'PY'
# Emits "A B" version pairs (edge cases, then random ones) on stdout.
import itertools, random, sys
seed, n, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
random.seed(seed)
if kind == "rubygems":
    edge = ["0", "1", "1.0", "1.0.0", "1.0.a", "1.0.b1", "1.0.rc1", "1.0-rc1", "1.0.0.pre",
            "1.0.0-x86_64-linux", "1.0a", "1.a", "1.A", "1.9.3", "1.10.0", "2.0.0.beta2",
            "2.0.0.beta10", "5.x", "5.0.0.rc2", "0.beta.1", "0.0.beta", "1.0--1",
            "7.0.4.3", "1..0", "a", "1.0-", "v1.0", "01.0", "1.0.0.0.0.1", "999999999999999999999"]
    pieces = ["0", "1", "2", "10", ".", ".0", ".1", ".a", ".b", ".rc", ".pre", "-1", "-rc", "a"]
else:
    edge = ["1.0.0", "v1.0.0", "1.0", "1", "1.0.0.0", "1.0.0-dev", "1.0.0-alpha", "1.0.0-alpha1",
            "1.0.0-alpha.2", "1.0.0-a2", "1.0.0-beta", "1.0.0-b3", "1.0.0-RC1", "1.0.0-rc.2",
            "1.0.0RC3", "1.0.0-p1", "1.0.0-pl2", "1.0.0-patch3", "1.0.0-stable", "1.0.0+build",
            "1.0.0-beta+build", "2.x-dev", "2.1.x-dev", "2.1-dev", "dev-master", "master",
            "2010-01-02", "20100102", "2010.01.02.5", "1.0.0-alpha2.1", "1.0.0-beta.1-2",
            "v5.4.21", "5.4.3", "1.0.0.0.0", "foo", "1.0-foo", "123456.0", "1.0.0 as 1.0.1",
            "1.0.0@beta", "V1.0"]
    pieces = ["0", "1", "2", "10", ".", ".0", ".3", "-alpha", "-beta", "-RC", "-p", "-dev",
              "RC", "beta", "v", "-"]
def num():
    return random.choice(["0", "1", "2", "3", "9", "10", "11", "00", "01"])
def rand_version():
    """Mostly valid versions, with the scheme's special words; 1 in 10 is free-form."""
    if random.random() < 0.1:
        return "".join(random.choice(pieces) for _ in range(random.randint(1, 6)))
    if kind == "rubygems":
        v = num() + "".join("." + random.choice([num(), num(), "a", "b", "rc", "pre", "beta", "1a", "A"])
                            for _ in range(random.randint(0, 4)))
        if random.random() < 0.2:
            v += "-" + random.choice(["rc", "1", "beta", "x86_64-linux", "pre.1"])
        return v
    v = random.choice(["", "", "v"]) + num() + "".join("." + num() for _ in range(random.randint(0, 3)))
    if random.random() < 0.5:
        v += random.choice(["-", ".", ""]) + random.choice(["alpha", "beta", "RC", "rc", "a", "b", "p", "pl", "patch", "stable", "dev"])
        v += random.choice(["", "", "1", "2", ".1", "10"])
    if random.random() < 0.15:
        v += "-dev"
    return v
pairs = set(itertools.combinations(edge, 2))
total = len(pairs) + n
while len(pairs) < total:
    pairs.add((rand_version(), rand_version()))
for a, b in sorted(pairs):
    if " " in a or " " in b:
        continue
    print(a, b)
PY

cat >"$out/ruby.rb" <<'RB'
STDIN.each_line do |l|
  a, b = l.split
  begin
    o = Gem::Version.new(a) <=> Gem::Version.new(b)
    puts "#{a} #{b} #{{-1 => '<', 0 => '=', 1 => '>'}[o]}"
  rescue ArgumentError
    puts "#{a} #{b} error"
  end
end
RB

cat >"$out/composer.php" <<'PHP'
<?php
require '/usr/share/php/Composer/Semver/autoload.php';
use Composer\Semver\VersionParser;
use Composer\Semver\Comparator;
$p = new VersionParser();
while (($l = fgets(STDIN)) !== false) {
    [$a, $b] = preg_split('/\s+/', trim($l));
    try {
        $na = $p->normalize($a);
        $nb = $p->normalize($b);
        if (strpos($na, 'dev-') === 0 || strpos($nb, 'dev-') === 0) {
            echo "$a $b error\n";
            continue;
        }
        $op = Comparator::lessThan($na, $nb) ? '<' : (Comparator::equalTo($na, $nb) ? '=' : '>');
        echo "$a $b $op\n";
    } catch (UnexpectedValueException $e) {
        echo "$a $b error\n";
    }
}
PHP

ruby_v=$(ruby -e 'print RUBY_VERSION + " / rubygems " + Gem::VERSION')
semver_v=$(dpkg-query -W -f='${Version}' php-composer-semver 2>/dev/null || echo unknown)
php_v=$(php -r 'echo PHP_VERSION;')
python3 "$out/gen.py" "$seed" "$random" rubygems | ruby "$out/ruby.rb" >"$out/rubygems.body"
python3 "$out/gen.py" "$seed" "$random" composer | php "$out/composer.php" >"$out/composer.body"
{
    echo "# RubyGems version pairs: \`A B OP\`, OP as answered by Gem::Version#<=> (ruby $ruby_v,"
    echo "# Debian; \`error\`: Gem::Version.new refused A or B). Edge cases, then random pairs"
    echo "# (seed $seed). Generated by scripts/crosscheck-langs.sh --update; checked by the"
    echo "# comparator's unit tests, each pair in both directions."
    cat "$out/rubygems.body"
} >"$out/rubygems-pairs.txt"
{
    echo "# Composer version pairs: \`A B OP\`, OP as answered by composer/semver $semver_v (Debian,"
    echo "# PHP $php_v): VersionParser::normalize on both, then Comparator::lessThan/equalTo;"
    echo "# \`error\`: normalize refused A or B, or one is a branch. Edge cases, then random pairs"
    echo "# (seed $seed). Generated by scripts/crosscheck-langs.sh --update."
    cat "$out/composer.body"
} >"$out/composer-pairs.txt"
if [ "$update" = 1 ]; then
    cp "$out/rubygems-pairs.txt" "$out/composer-pairs.txt" src/version/testdata/
    echo "updated src/version/testdata/{rubygems,composer}-pairs.txt"
fi
echo "rubygems: $(grep -vc '^#' "$out/rubygems-pairs.txt") pairs; composer: $(grep -vc '^#' "$out/composer-pairs.txt") pairs"
if SCANGATE_VERSION_PAIRS_DIR="$out" cargo test --quiet --lib -- \
    version::rubygems::tests::pairs version::composer::tests::pairs --nocapture 2>&1 |
    grep -E 'crosscheck|mismatch| tool says |test result|panicked'; then
    :
fi
SCANGATE_VERSION_PAIRS_DIR="$out" cargo test --quiet --lib -- \
    version::rubygems::tests::pairs version::composer::tests::pairs >/dev/null 2>&1 || exit 1
