# scangate's container image, and the image of its GitHub Action
# (action.yml: runs.using docker). Two stages: a Rust build, then a small
# Debian runtime with CA certificates and the one binary.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The whole crate (see .dockerignore): --locked builds exactly the
# dependency versions of Cargo.lock.
COPY . .
RUN cargo build --release --locked --bin scangate \
    && cp target/release/scangate /usr/local/bin/scangate

FROM debian:bookworm-slim
# CA certificates unpinned on purpose: the newest trust store is the point.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/scangate /usr/local/bin/scangate
# Root, on purpose. GitHub runs a container action with the job's
# workspace mounted at /github/workspace, owned by the runner's user
# (uid 1001), and scangate must write its reports (scangate.sarif, the
# --output file), the step outputs and summary files under /github/file_commands,
# and the database cache there. A non-root user of another uid cannot write
# them, and the runner neither passes --user nor lets the action choose
# one. Run the image yourself (outside Actions) with --user to drop root:
# scangate needs no privilege beyond writing its cache and report paths.
ENV SCANGATE_CACHE_DIR=/var/cache/scangate
ENTRYPOINT ["scangate", "ci"]
