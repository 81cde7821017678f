//! Dockerfiles, parsed the way BuildKit reads them, keeping the line range
//! of every instruction: reports point at the line that brought a package
//! into an image (see `image::dockerfile_map`), and the Dockerfile config
//! checks point at the line that breaks a rule.
//!
//! What is understood: the `# syntax=` and `# escape=` parser directives
//! (so a backtick can be the escape character), line continuations (with
//! comment and blank lines inside them, as BuildKit allows), heredocs
//! (`<<EOF`, `<<-EOF`, quoted delimiters, several on one line), exec (JSON)
//! and shell form, `--flag=value` options, stages with `AS name`, and `ARG`
//! before the first `FROM`. Keywords are case-insensitive. A line that
//! cannot be an instruction is skipped with a [`ParseWarning`]; parsing
//! never fails and never panics.

mod parse;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use std::fmt;
use std::path::Path;

pub use parse::parse;

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// Parser directives from the top of the file.
    pub directives: Directives,
    /// `ARG` instructions before the first `FROM` (usable in `FROM` lines).
    pub args_before_from: Vec<Instruction>,
    /// Build stages in file order.
    pub stages: Vec<Stage>,
    /// Lines that were skipped, and why.
    pub warnings: Vec<ParseWarning>,
}

/// The parser directives (`# syntax=…`, `# escape=…`, `# check=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directives {
    /// The frontend image named by `# syntax=`.
    pub syntax: Option<String>,
    /// The escape (line continuation) character: `\` unless `# escape=` says
    /// `` ` ``.
    pub escape: char,
    /// The `# check=` directive, as written.
    pub check: Option<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            syntax: None,
            escape: '\\',
            check: None,
        }
    }
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Position among the stages, from 0 (what `--from=0` refers to).
    pub index: usize,
    /// The `AS` name, as written.
    pub name: Option<String>,
    /// The image (or earlier stage) this stage starts from, as written.
    pub base: String,
    /// The stage's `FROM` instruction.
    pub from: Instruction,
    /// Every instruction after `FROM`, in order.
    pub instructions: Vec<Instruction>,
}

/// One instruction, with where it is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: Keyword,
    /// `--name=value` options before the arguments (`--from=build`,
    /// `--mount=type=cache,target=/root/.cache`), in order.
    pub flags: Vec<Flag>,
    pub args: Arguments,
    /// Here-documents the instruction reads, in the order they appear.
    pub heredocs: Vec<Heredoc>,
    /// The instruction's own text after the keyword and flags, with
    /// continuations joined (comment lines inside them removed) and without
    /// heredoc bodies: what BuildKit runs or copies.
    pub text: String,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line, inclusive: the last continuation line or heredoc
    /// terminator.
    pub end_line: u32,
    /// Index of the stage it belongs to; `None` before the first `FROM`.
    pub stage: Option<usize>,
}

impl Instruction {
    /// The lines it spans.
    pub fn lines(&self) -> LineRange {
        LineRange {
            start: self.start_line,
            end: self.end_line,
        }
    }

    /// The value of flag `name` (without `--`), if given.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_deref().unwrap_or(""))
    }
}

/// A range of lines of a file, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineRange {
    pub start: u32,
    pub end: u32,
}

/// Dockerfile instruction keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// The keyword as Docker documents it (upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }

    /// The keyword for a word, in any case.
    pub fn from_word(word: &str) -> Option<Keyword> {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether BuildKit reads heredocs for this instruction.
    fn takes_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--name[=value]` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Without the leading `--`.
    pub name: String,
    /// `None` for a bare `--link`.
    pub value: Option<String>,
}

/// An instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arguments {
    /// Shell form: the text as written (continuations joined).
    Shell(String),
    /// Exec (JSON array) form, for instructions that accept it.
    Exec(Vec<String>),
}

/// A here-document: `<<EOF` … `EOF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, without quotes.
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from the body and terminator.
    pub strip_tabs: bool,
    /// The delimiter was quoted: the body is not expanded.
    pub quoted: bool,
    /// The lines between the marker and the terminator, each ending in a
    /// newline.
    pub body: String,
    /// The first body line (the line after the instruction's line).
    pub start_line: u32,
    /// The terminator line.
    pub end_line: u32,
}

/// A line that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    pub line: u32,
    pub message: String,
}

impl Dockerfile {
    /// The stage the image is built from when no `--target` is given: the
    /// last one.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Every instruction in file order, `ARG`s before `FROM` first.
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.args_before_from.iter().chain(
            self.stages
                .iter()
                .flat_map(|s| std::iter::once(&s.from).chain(&s.instructions)),
        )
    }

    /// Reads and parses the Dockerfile at `path`, logging each skipped line
    /// as a warning that names the file and line. An unreadable file is an
    /// error naming it.
    pub fn read(path: &Path) -> Result<Dockerfile> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
        let text = String::from_utf8_lossy(&bytes);
        let parsed = parse(&text);
        for w in &parsed.warnings {
            tracing::warn!("{}:{}: {}", path.display(), w.line, w.message);
        }
        Ok(parsed)
    }
}
