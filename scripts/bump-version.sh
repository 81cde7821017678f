#!/usr/bin/env bash
# Names release X.Y.Z everywhere a user's pipeline reads it, before the
# commit is tagged vX.Y.Z: Cargo.toml's version, action.yml's prebuilt image
# (docker://ghcr.io/OWNER/scangate:X.Y.Z), the GitLab template's
# SCANGATE_IMAGE and the docker pre-commit hook's image. The release workflow runs it with --check and stops when
# the tagged commit names another version, so a tag can never point at an
# action whose image is not the one the release pushes.
#
#   scripts/bump-version.sh X.Y.Z [OWNER]          rewrite the files
#   scripts/bump-version.sh --check X.Y.Z [OWNER]  only verify them
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
if [ "${1:-}" = "--check" ]; then
  check=true
  shift
fi
version="${1:?usage: $0 [--check] X.Y.Z [OWNER]}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "error: $version is not a version X.Y.Z" >&2
  exit 2
fi
# The owner the files name now, unless one is given.
current_owner="$(sed -n 's#^  image: docker://ghcr.io/\([^/]*\)/scangate:.*#\1#p' action.yml)"
owner="${2:-$current_owner}"
image="ghcr.io/${owner}/scangate:${version}"

if $check; then
  fail=0
  grep -q "^version = \"${version}\"$" Cargo.toml \
    || { echo "error: Cargo.toml's version is not ${version}" >&2; fail=1; }
  grep -q "^  image: docker://${image}$" action.yml \
    || { echo "error: action.yml's image is not docker://${image}" >&2; fail=1; }
  grep -q "^    SCANGATE_IMAGE: \"${image}\"$" .gitlab-ci-template.yml \
    || { echo "error: .gitlab-ci-template.yml's SCANGATE_IMAGE is not ${image}" >&2; fail=1; }
  grep -q " ${image} config" .pre-commit-hooks.yaml \
    || { echo "error: .pre-commit-hooks.yaml's image is not ${image}" >&2; fail=1; }
  if [ "$fail" -ne 0 ]; then
    echo "run scripts/bump-version.sh ${version} ${owner}, commit, and tag that commit" >&2
    exit 1
  fi
  echo "version ${version}, image ${image}: named everywhere"
  exit 0
fi

sed -i "0,/^version = \".*\"$/s//version = \"${version}\"/" Cargo.toml
sed -i "s#^  image: docker://.*#  image: docker://${image}#" action.yml
sed -i "s#^    SCANGATE_IMAGE: \".*\"#    SCANGATE_IMAGE: \"${image}\"#" .gitlab-ci-template.yml
sed -i "s# ghcr.io/[^/ ]*/scangate:[0-9.]* # ${image} #" .pre-commit-hooks.yaml
sed -i "s#/scangate/v[0-9.]*/.gitlab-ci-template.yml#/scangate/v${version}/.gitlab-ci-template.yml#" .gitlab-ci-template.yml README.md
cargo update --offline --workspace --quiet 2>/dev/null || cargo update --workspace --quiet
scripts/bump-version.sh --check "$version" "$owner"
