//! A Dockerfile split into stages and instructions with their line ranges:
//! the `# escape=` directive, continuation lines (with comment lines inside
//! them), heredocs (`<<EOF`, `<<-EOF`, quoted delimiters) and `ARG` before
//! the first `FROM`. Only what the rules need is interpreted; variables are
//! not expanded, except that [`Dockerfile::resolve_global_args`] substitutes
//! the defaults of global `ARG`s in a base image name.

use std::collections::HashMap;

/// A parsed Dockerfile.
#[derive(Debug)]
pub struct Dockerfile {
    /// `ARG` instructions before the first `FROM`.
    pub global_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

/// One build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug)]
pub struct Stage {
    pub index: usize,
    /// The `AS` name, as written.
    pub name: Option<String>,
    /// The base image reference, as written (may contain `$VARS`).
    pub image: String,
    /// The `FROM` instruction itself.
    pub from: Instruction,
    /// The instructions after `FROM`.
    pub instructions: Vec<Instruction>,
}

/// One instruction, with its continuation lines and heredoc bodies joined.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// Upper-cased keyword: `RUN`, `COPY`, …
    pub keyword: String,
    /// Leading `--name=value` flags (`--from=build`, `--chown=app`).
    pub flags: Vec<String>,
    /// The arguments after the flags, continuation lines joined by a space.
    pub args: String,
    /// The bodies of heredocs the instruction opened, in order.
    pub heredocs: Vec<String>,
    pub start_line: u32,
    pub end_line: u32,
}

/// Instructions Docker knows; anything else fails the build, so we refuse
/// it too rather than guess.
const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

impl Instruction {
    /// The value of flag `--name=…`, if given.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find_map(|f| f.strip_prefix("--")?.strip_prefix(name)?.strip_prefix('='))
    }

    /// The shell text a `RUN` executes: exec-form arrays joined by spaces,
    /// heredoc bodies after the arguments, each on its own line.
    pub fn command_text(&self) -> String {
        let mut text = match serde_json::from_str::<Vec<String>>(&self.args) {
            Ok(words) if self.args.starts_with('[') => words.join(" "),
            _ => self.args.clone(),
        };
        for body in &self.heredocs {
            text.push('\n');
            text.push_str(body);
        }
        text
    }

    /// Flags and arguments with whitespace collapsed: what the instruction
    /// does, independent of formatting, for fingerprints.
    pub fn normalized(&self) -> String {
        self.flags
            .iter()
            .map(String::as_str)
            .chain(self.args.split_whitespace())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Stage {
    /// How messages and fingerprints name the stage: its name, or its index.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => self.index.to_string(),
        }
    }
}

impl Dockerfile {
    /// `image` with `$NAME`/`${NAME}` replaced by global `ARG` defaults;
    /// `None` when a variable has no default here (set at build time).
    pub fn resolve_global_args(&self, image: &str) -> Option<String> {
        let defaults: HashMap<&str, &str> = self
            .global_args
            .iter()
            .flat_map(|arg| arg.args.split_whitespace())
            .filter_map(|word| word.split_once('='))
            .map(|(name, value)| (name, value.trim_matches('"')))
            .collect();
        let mut out = String::new();
        let mut rest = image;
        while let Some(dollar) = rest.find('$') {
            out.push_str(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            let (name, tail) = match after.strip_prefix('{') {
                Some(braced) => {
                    let end = braced.find('}')?;
                    (&braced[..end], &braced[end + 1..])
                }
                None => {
                    let end = after
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            out.push_str(defaults.get(name)?);
            rest = tail;
        }
        out.push_str(rest);
        Some(out)
    }
}

/// Parses a Dockerfile. The error is one line naming the line at fault.
pub fn parse(content: &str) -> Result<Dockerfile, String> {
    let lines: Vec<&str> = content.lines().collect();
    let escape = escape_directive(&lines);
    let mut global_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let (instruction, next) = read_instruction(&lines, i, escape)?;
        i = next;
        match (instruction.keyword.as_str(), stages.last_mut()) {
            ("FROM", _) => stages.push(new_stage(instruction, stages.len())?),
            ("ARG", None) => global_args.push(instruction),
            (_, Some(stage)) => stage.instructions.push(instruction),
            (keyword, None) => {
                return Err(format!(
                    "line {}: {keyword} before the first FROM",
                    instruction.start_line
                ))
            }
        }
    }
    if stages.is_empty() {
        return Err("no FROM instruction".into());
    }
    Ok(Dockerfile {
        global_args,
        stages,
    })
}

/// The escape character from a `# escape=` directive at the top, or `\`.
fn escape_directive(lines: &[&str]) -> char {
    for line in lines {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = directive.split_once('=') else {
            break;
        };
        if key.trim().eq_ignore_ascii_case("escape") {
            return match value.trim() {
                "`" => '`',
                _ => '\\',
            };
        }
    }
    '\\'
}

fn new_stage(from: Instruction, index: usize) -> Result<Stage, String> {
    let words: Vec<&str> = from.args.split_whitespace().collect();
    let (image, name) = match words.as_slice() {
        [image] => (*image, None),
        [image, as_, name] if as_.eq_ignore_ascii_case("as") => (*image, Some(name.to_string())),
        _ => {
            return Err(format!(
                "line {}: FROM takes an image and an optional `AS name`",
                from.start_line
            ))
        }
    };
    Ok(Stage {
        index,
        name,
        image: image.to_string(),
        from,
        instructions: Vec::new(),
    })
}

/// Reads the instruction starting at `lines[start]`; returns it and the
/// index of the line after it.
fn read_instruction(
    lines: &[&str],
    start: usize,
    escape: char,
) -> Result<(Instruction, usize), String> {
    let mut text = String::new();
    let mut i = start;
    loop {
        let line = lines[i];
        i += 1;
        match line.trim_end().strip_suffix(escape) {
            Some(continued) => {
                text.push_str(continued);
                text.push(' ');
                // Comment and empty lines inside a continuation are
                // dropped; the instruction goes on after them.
                while i < lines.len()
                    && (lines[i].trim().is_empty() || lines[i].trim_start().starts_with('#'))
                {
                    i += 1;
                }
                if i == lines.len() {
                    break;
                }
            }
            None => {
                text.push_str(line);
                break;
            }
        }
    }
    let line_number = |index: usize| u32::try_from(index + 1).unwrap_or(u32::MAX);
    let text = text.trim();
    let (keyword, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let keyword = keyword.to_ascii_uppercase();
    if !KEYWORDS.contains(&keyword.as_str()) {
        return Err(format!(
            "line {}: unknown instruction {keyword:?}",
            line_number(start)
        ));
    }
    let mut rest = rest.trim_start();
    let mut flags = Vec::new();
    while rest.starts_with("--") {
        let (flag, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        flags.push(flag.to_string());
        rest = after.trim_start();
    }
    let mut heredocs = Vec::new();
    if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
        for (delimiter, strip_tabs) in heredoc_markers(rest) {
            let opened = i;
            let mut body = Vec::new();
            loop {
                let Some(line) = lines.get(i) else {
                    return Err(format!(
                        "line {}: heredoc {delimiter:?} is never closed",
                        line_number(opened.saturating_sub(1))
                    ));
                };
                i += 1;
                let candidate = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if candidate == delimiter {
                    break;
                }
                body.push(candidate);
            }
            heredocs.push(body.join("\n"));
        }
    }
    Ok((
        Instruction {
            keyword,
            flags,
            args: rest.trim_end().to_string(),
            heredocs,
            start_line: line_number(start),
            end_line: line_number(i - 1),
        },
        i,
    ))
}

/// The heredocs an instruction opens: `<<EOF`, `<<-EOF` (strip leading
/// tabs), `<<"EOF"`, `<<'EOF'`; `<<` followed by anything else is not one.
fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let mut markers = Vec::new();
    let mut rest = args;
    while let Some(at) = rest.find("<<") {
        let after = &rest[at + 2..];
        let (strip_tabs, after) = match after.strip_prefix('-') {
            Some(after) => (true, after),
            None => (false, after),
        };
        let unquoted = after.trim_start_matches(['"', '\'']);
        let name: String = unquoted
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            markers.push((name, strip_tabs));
        }
        rest = after;
    }
    markers
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWKWARD: &str = "# syntax=docker/dockerfile:1
# escape=\\
ARG BASE=debian:12
FROM ${BASE} AS build
RUN apt-get update \\
    # a comment inside the continuation
    && apt-get install -y curl
COPY --from=build --chown=app /a /b
RUN <<EOF
set -e
echo hi
EOF
RUN <<-'SCRIPT' bash
\techo tabs
\tSCRIPT

from scratch
CMD [\"/app\"]
";

    #[test]
    fn keeps_line_ranges_continuations_and_heredocs() {
        insta::assert_debug_snapshot!(parse(AWKWARD).expect("parses"));
    }

    #[test]
    fn backtick_escape_directive() {
        let file = parse("# escape=`\nFROM windows\nRUN a `\n  b\n").expect("parses");
        let run = &file.stages[0].instructions[0];
        assert_eq!((run.args.as_str(), run.end_line), ("a    b", 4));
    }

    #[test]
    fn resolves_global_arg_defaults_only() {
        let file = parse("ARG TAG=3.12\nARG REG\nFROM python:${TAG}\n").expect("parses");
        assert_eq!(
            file.resolve_global_args("python:${TAG}-slim").as_deref(),
            Some("python:3.12-slim")
        );
        assert_eq!(file.resolve_global_args("$REG/python"), None);
    }

    #[test]
    fn malformed_files_name_the_line() {
        let cases = [
            (
                "FROM a\nRUN <<EOF\necho\n",
                "line 2: heredoc \"EOF\" is never closed",
            ),
            ("FROM a\nFOO bar\n", "line 2: unknown instruction \"FOO\""),
            ("RUN x\nFROM a\n", "line 1: RUN before the first FROM"),
            ("# only a comment\n", "no FROM instruction"),
        ];
        for (content, expected) in cases {
            assert_eq!(parse(content).expect_err(content), expected);
        }
    }
}
