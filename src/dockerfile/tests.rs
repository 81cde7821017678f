use super::*;

/// (keyword, start, end) of every instruction, in file order.
fn spans(d: &Dockerfile) -> Vec<(Keyword, u32, u32)> {
    d.instructions()
        .map(|i| (i.keyword, i.start_line, i.end_line))
        .collect()
}

#[test]
fn stages_names_and_args_before_from() {
    let d = parse(
        "ARG BASE=debian:12\n\
         ARG VERSION\n\
         FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\n\
         RUN go build ./...\n\
         \n\
         from ${BASE}\n\
         copy --from=build --chown=app:app /out/app /usr/local/bin/app\n",
    );
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_eq!(d.args_before_from.len(), 2);
    assert_eq!(d.args_before_from[1].text, "VERSION");
    assert_eq!(d.args_before_from[0].stage, None);
    assert_eq!(d.stages.len(), 2);
    let build = &d.stages[0];
    assert_eq!(build.name.as_deref(), Some("Build"));
    assert_eq!(build.base, "golang:1.22");
    assert_eq!(build.from.flag("platform"), Some("$BUILDPLATFORM"));
    assert_eq!(build.instructions[0].stage, Some(0));
    let last = d.final_stage().unwrap();
    assert_eq!((last.index, last.name.as_deref()), (1, None));
    assert_eq!(last.base, "${BASE}");
    let copy = &last.instructions[0];
    assert_eq!(copy.keyword, Keyword::Copy);
    assert_eq!(copy.flag("from"), Some("build"));
    assert_eq!(copy.flag("chown"), Some("app:app"));
    assert_eq!(copy.text, "/out/app /usr/local/bin/app");
    assert_eq!(
        (copy.start_line, copy.end_line, copy.stage),
        (7, 7, Some(1))
    );
}

#[test]
fn continuations_span_lines_and_skip_comments_and_blank_lines() {
    let d = parse(
        "FROM debian:12\n\
         RUN apt-get update && \\\n\
         \x20   # a comment inside the continuation\n\
         \n\
         \x20   apt-get install -y \\  \n\
         \x20     curl jq\n\
         USER app\n",
    );
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_eq!(
        spans(&d),
        vec![
            (Keyword::From, 1, 1),
            (Keyword::Run, 2, 6),
            (Keyword::User, 7, 7)
        ]
    );
    let run = &d.stages[0].instructions[0];
    assert_eq!(
        run.args,
        Arguments::Shell("apt-get update &&     apt-get install -y       curl jq".into())
    );
}

#[test]
fn backtick_escape_directive() {
    let d = parse(
        "# syntax=docker/dockerfile:1.7\n\
         # escape=`\n\
         \n\
         FROM mcr.microsoft.com/windows/servercore\n\
         RUN dir c:\\ `\n\
         \x20   && echo done\n\
         COPY . C:\\app\\\n",
    );
    assert_eq!(d.directives.escape, '`');
    assert_eq!(
        d.directives.syntax.as_deref(),
        Some("docker/dockerfile:1.7")
    );
    assert_eq!(
        spans(&d),
        vec![
            (Keyword::From, 4, 4),
            (Keyword::Run, 5, 6),
            // A trailing backslash is an ordinary character here.
            (Keyword::Copy, 7, 7)
        ]
    );
    assert_eq!(d.stages[0].instructions[1].text, ". C:\\app\\");
}

#[test]
fn directives_stop_at_the_first_other_line() {
    let d = parse("# a comment\n# escape=`\nFROM x\nRUN a `\n");
    assert_eq!(d.directives.escape, '\\');
    let d = parse("# ESCAPE = `\nFROM x\n");
    assert_eq!(d.directives.escape, '`');
}

#[test]
fn heredocs_extend_the_instruction_to_their_terminator() {
    let d = parse(
        "FROM alpine\n\
         RUN <<EOF\n\
         apk add curl\n\
         echo done\n\
         EOF\n\
         COPY <<-'CONF' /etc/app.conf\n\
         \tkey = $NOT_EXPANDED\n\
         \tCONF\n\
         RUN cat <<A >/a && cat 3<<\"B\" >/b\n\
         first\n\
         A\n\
         second\n\
         B\n\
         RUN echo \"<<NOT\" <<<here-string\n",
    );
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_eq!(
        spans(&d),
        vec![
            (Keyword::From, 1, 1),
            (Keyword::Run, 2, 5),
            (Keyword::Copy, 6, 8),
            (Keyword::Run, 9, 13),
            (Keyword::Run, 14, 14),
        ]
    );
    let ins = &d.stages[0].instructions;
    assert_eq!(ins[0].heredocs[0].body, "apk add curl\necho done\n");
    assert_eq!(ins[0].text, "<<EOF");
    let conf = &ins[1].heredocs[0];
    assert_eq!(
        (conf.delimiter.as_str(), conf.strip_tabs, conf.quoted),
        ("CONF", true, true)
    );
    assert_eq!(conf.body, "key = $NOT_EXPANDED\n");
    let two: Vec<(&str, &str, u32, u32)> = ins[2]
        .heredocs
        .iter()
        .map(|h| {
            (
                h.delimiter.as_str(),
                h.body.as_str(),
                h.start_line,
                h.end_line,
            )
        })
        .collect();
    assert_eq!(
        two,
        vec![("A", "first\n", 10, 11), ("B", "second\n", 12, 13)]
    );
    assert!(ins[3].heredocs.is_empty());
}

#[test]
fn exec_and_shell_form() {
    let d = parse(
        "FROM x\n\
         RUN [\"apt-get\", \"install\", \"-y\", \"jq\"]\n\
         CMD [not json\n\
         ENTRYPOINT [\"/bin/app\"]\n\
         ENV A=[1]\n",
    );
    let ins = &d.stages[0].instructions;
    assert_eq!(
        ins[0].args,
        Arguments::Exec(vec![
            "apt-get".into(),
            "install".into(),
            "-y".into(),
            "jq".into()
        ])
    );
    assert_eq!(ins[1].args, Arguments::Shell("[not json".into()));
    assert_eq!(ins[2].args, Arguments::Exec(vec!["/bin/app".into()]));
    assert_eq!(ins[3].args, Arguments::Shell("A=[1]".into()));
}

#[test]
fn run_flags_come_before_the_command() {
    let d = parse(
        "FROM x\nRUN --mount=type=cache,target=/root/.cache --network=none pip install -r r.txt\n",
    );
    let run = &d.stages[0].instructions[0];
    let flags: Vec<(&str, Option<&str>)> = run
        .flags
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_deref()))
        .collect();
    assert_eq!(
        flags,
        vec![
            ("mount", Some("type=cache,target=/root/.cache")),
            ("network", Some("none"))
        ]
    );
    assert_eq!(run.text, "pip install -r r.txt");
}

#[test]
fn crlf_bom_and_lowercase_keywords() {
    let d = parse("\u{feff}from x as Base\r\nrun echo a \\\r\n  b\r\nWorkDir /app\r\n");
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert_eq!(
        spans(&d),
        vec![
            (Keyword::From, 1, 1),
            (Keyword::Run, 2, 3),
            (Keyword::Workdir, 4, 4)
        ]
    );
    assert_eq!(d.stages[0].name.as_deref(), Some("Base"));
}

#[test]
fn malformed_lines_are_skipped_with_a_warning() {
    let d = parse(
        "RUN before from\n\
         FROM\n\
         FROM a b c\n\
         FROM ok\n\
         FROBNICATE now\n\
         RUN fine\n\
         RUN <<EOF\n\
         never terminated\n",
    );
    let lines: Vec<u32> = d.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, vec![1, 2, 3, 5, 7], "{:?}", d.warnings);
    assert!(d.warnings[3].message.contains("FROBNICATE"));
    assert_eq!(spans(&d), vec![(Keyword::From, 4, 4), (Keyword::Run, 6, 6)]);
}

#[test]
fn a_continuation_at_the_end_of_the_file_ends_there() {
    let d = parse("FROM x\nRUN a \\\n\n# c\n");
    assert_eq!(spans(&d), vec![(Keyword::From, 1, 1), (Keyword::Run, 2, 2)]);
    assert!(parse("").stages.is_empty());
    assert!(parse("\\").stages.is_empty());
}
