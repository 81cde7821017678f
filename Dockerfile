# scangate's container image, and the image of its GitHub Action
# (action.yml: runs.image docker://ghcr.io/OWNER/scangate:X.Y.Z, built and
# pushed by .github/workflows/release.yml).
#
# Stages, in the order the classic builder (no BuildKit) builds them up to
# `--target`, so a target never needs a stage after it:
#   runtime   the small base: Debian slim and CA certificates;
#   prebuilt  runtime + a binary already built outside (`--target prebuilt`,
#             build context holding `bin/<arch>/scangate`): CI and the release build
#             the binary once and package it, without a second compile;
#   build     a Rust toolchain that compiles scangate;
#   action    runtime + the binary compiled by `build` (the default target,
#             for a plain `docker build .`).
# The base images are build arguments, so an offline builder can substitute
# local ones (.ci/container-tests does, with a debootstrapped Debian).
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG RUST_IMAGE=rust:1.95-slim-bookworm

FROM ${RUNTIME_IMAGE} AS runtime
# CA certificates unpinned on purpose: the newest trust store is the point.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
# Root by default, on purpose: GitHub runs a container action without
# --user, with the workspace and the file-command files owned by the
# runner's user (uid 1001 on hosted runners). `scangate ci` hands every file
# it writes there to the workspace's owner, so later steps (running as that
# user) can read and delete them. The image also runs as any other uid
# (`docker run --user 1001`): the cache lives under $HOME (or the action's
# `cache-dir` in the workspace), never in a root-only path.
ENTRYPOINT ["scangate", "ci"]

FROM runtime AS prebuilt
# BuildKit sets TARGETARCH per platform (a multi-arch build takes
# bin/amd64/scangate and bin/arm64/scangate from one context); the classic
# builder takes it as a build argument.
ARG TARGETARCH
COPY bin/${TARGETARCH}/scangate /usr/local/bin/scangate

FROM ${RUST_IMAGE} AS build
WORKDIR /src
# The whole crate (see .dockerignore): --locked builds exactly the
# dependency versions of Cargo.lock.
COPY . .
RUN cargo build --release --locked --bin scangate \
    && cp target/release/scangate /usr/local/bin/scangate

FROM runtime AS action
COPY --from=build /usr/local/bin/scangate /usr/local/bin/scangate
