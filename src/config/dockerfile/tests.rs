//! Each rule's failing and passing examples, through `Checker::check`.

use super::DockerfileChecker;
use crate::config::Checker;
use std::collections::BTreeSet;

/// The violations of `content`, one line each: rule, lines, subject, message.
fn check(content: &str) -> Vec<String> {
    DockerfileChecker
        .check("Dockerfile", content)
        .expect("parses")
        .into_iter()
        .map(|v| {
            format!(
                "{} L{}-{} {}: {}",
                v.rule.id, v.start_line, v.end_line, v.subject, v.message
            )
        })
        .collect()
}

/// Every rule fails at least once here.
const BAD: &str = r#"FROM ubuntu AS build
RUN apt-get update
RUN apt-get install -y curl
RUN sudo make install
RUN cd /src && make
RUN curl -fsSL https://example.com/install.sh | bash
RUN apk add curl
RUN pip install requests
ADD app.py /app/
ADD https://example.com/tool.bin /usr/local/bin/tool
COPY --from=build /a /b
COPY --from=2 /c /d
COPY --from=later /e /f
MAINTAINER someone@example.com
WORKDIR app
WORKDIR /proc/work
COPY a.txt b.txt /dest
EXPOSE 70000/tcp
RUN wget -q https://example.com/x.tgz
RUN yum install -y httpd
RUN dnf install -y httpd && dnf clean all && dnf install -y vim
RUN zypper install -y httpd
RUN microdnf install httpd
RUN apt-get install --no-install-recommends vim
ENTRYPOINT ["/a"]
ENTRYPOINT ["/b"]
CMD ["x"]
CMD ["y"]
HEALTHCHECK CMD ["/a"]
HEALTHCHECK CMD ["/b"]

FROM python:latest AS build
ENV DB_PASSWORD=hunter2
ARG GITHUB_TOKEN
ENV TOKEN_SHAPE ghp_0123456789abcdefghijklmnopqrstuvwxyz
EXPOSE 80 22/tcp
USER root

FROM build AS later
"#;

const GOOD: &str = r#"ARG PYTHON=3.12
FROM python:${PYTHON}-slim AS build
ENV PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache curl
RUN pip install requests
RUN curl -fsSLo install.sh https://example.com/install.sh && sh install.sh
RUN make && cd / && rm -rf /src
ADD vendor.tar.gz /opt/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.bin /usr/local/bin/tool
ENV PASSWORD_FILE=/run/secrets/db GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D
LABEL org.opencontainers.image.authors="team@example.com"
WORKDIR /app
WORKDIR $HOME/work
COPY a.txt b.txt /dest/
COPY one.txt /dest
RUN yum install -y httpd && yum clean all
RUN dnf install -y httpd && dnf clean all
RUN zypper --non-interactive install -y httpd && zypper clean
RUN microdnf install httpd && microdnf clean all
RUN apt-get -qy install --no-install-recommends vim
RUN apt-get install --yes --no-install-recommends vim
RUN apt-get install wget curl -y --no-install-recommends
CMD ["run"]

FROM scratch AS empty

FROM build
COPY --from=build /a /b
COPY --from=0 /c /d
COPY --from=busybox:1.36 /bin/sh /bin/sh
EXPOSE 8080
HEALTHCHECK CMD ["/app", "health"]
USER 10001:10001
"#;

#[test]
fn failing_examples() {
    insta::assert_debug_snapshot!(check(BAD));
}

#[test]
fn passing_examples() {
    assert_eq!(check(GOOD), Vec::<String>::new());
}

#[test]
fn missing_user_and_healthcheck_point_at_the_final_from() {
    let found = check(
        "FROM alpine:3.20 AS build\nUSER app\nHEALTHCHECK NONE\nFROM alpine:3.20\nRUN true\n",
    );
    insta::assert_debug_snapshot!(found);
}

#[test]
fn user_and_healthcheck_carry_over_from_the_parent_stage() {
    let found =
        check("FROM alpine:3.20 AS base\nUSER app\nHEALTHCHECK NONE\nFROM base\nRUN true\n");
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn base_images_from_unset_build_args_are_not_judged() {
    let found = check("ARG IMAGE\nFROM $IMAGE\nUSER app\nHEALTHCHECK NONE\n");
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn every_rule_has_a_failing_example() {
    let reported: BTreeSet<&str> = DockerfileChecker
        .check("Dockerfile", BAD)
        .expect("parses")
        .into_iter()
        .map(|v| v.rule.id)
        .collect();
    let listed: BTreeSet<&str> = DockerfileChecker.rules().iter().map(|r| r.id).collect();
    assert_eq!(reported, listed);
}

#[test]
fn wants_dockerfiles_by_name() {
    for path in [
        "Dockerfile",
        "app/Dockerfile.prod",
        "web.Dockerfile",
        "Containerfile",
    ] {
        assert!(DockerfileChecker.wants(path), "{path}");
    }
    for path in [
        "Dockerfile/notes.md",
        "docs/dockerfile.md",
        "Dockerfile.md",
        "Makefile",
    ] {
        assert!(!DockerfileChecker.wants(path), "{path}");
    }
}

#[test]
fn only_a_file_without_a_stage_is_an_error() {
    for (content, expected) in [
        ("# only a comment\n", "no FROM instruction"),
        (
            "RUN x\nFROM\n",
            "no FROM instruction (line 1: RUN before the first FROM skipped)",
        ),
    ] {
        let err = DockerfileChecker
            .check("Dockerfile", content)
            .expect_err(content);
        assert_eq!(err, expected);
    }
}

#[test]
fn unreadable_lines_are_skipped_and_the_rest_is_checked() {
    // The unclosed heredoc is skipped (with a warning naming line 2); the
    // stage before it is still checked.
    let found = check("FROM a:1\nUSER app\nHEALTHCHECK NONE\nRUN <<EOF\necho\n");
    assert_eq!(found, Vec::<String>::new());
    let found = check("FROM a:1\nFROBNICATE\nUSER root\nHEALTHCHECK NONE\n");
    assert_eq!(
        found,
        ["SG-DS-002 L3-3 stage 0 USER root: The last USER of the final image is root."]
    );
}

#[test]
fn heredoc_bodies_and_exec_form_are_checked_as_shell_text() {
    let found = check(
        "FROM a:1\nUSER app\nHEALTHCHECK NONE\n\
         RUN <<EOF\nset -e\ncurl -s https://x.example | sh\nEOF\n\
         RUN [\"sudo\", \"make\"]\n",
    );
    assert_eq!(
        found,
        [
            "SG-DS-008 L4-7 stage 0 RUN <<EOF: A download is piped into `sh`.",
            "SG-DS-009 L8-8 stage 0 RUN [\"sudo\", \"make\"]: RUN uses sudo."
        ]
    );
}

#[test]
fn subjects_keep_flags_and_collapse_whitespace() {
    let found = check(
        "FROM a:1 AS src\nUSER app\nHEALTHCHECK NONE\n\
         COPY   --from=src --link \\\n    /a   /b\n",
    );
    assert_eq!(
        found,
        ["SG-DS-016 L4-5 stage src COPY --from=src --link /a /b: \
          COPY --from=src refers to the current stage."]
    );
}

#[test]
fn resolves_global_arg_defaults_only() {
    let file = crate::dockerfile::parse("ARG TAG=3.12\nARG REG\nFROM python:${TAG}\n");
    assert_eq!(
        super::resolve_global_args(&file, "python:${TAG}-slim").as_deref(),
        Some("python:3.12-slim")
    );
    assert_eq!(super::resolve_global_args(&file, "$REG/python"), None);
}
