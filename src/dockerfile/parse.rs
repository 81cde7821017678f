//! The line-level parser: directives, logical lines (continuations),
//! heredoc bodies, then keyword, flags and arguments of each instruction.

use super::{
    Arguments, Directives, Dockerfile, Flag, Heredoc, Instruction, Keyword, ParseWarning, Stage,
};

/// Parses Dockerfile text. Never fails: what cannot be read is skipped and
/// recorded in [`Dockerfile::warnings`].
pub fn parse(text: &str) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut parser = Parser {
        lines: &lines,
        file: Dockerfile {
            directives: Directives::default(),
            args_before_from: Vec::new(),
            stages: Vec::new(),
            warnings: Vec::new(),
        },
    };
    let mut i = parser.directives();
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        i = parser.instruction(i);
    }
    parser.file
}

struct Parser<'a> {
    lines: &'a [&'a str],
    file: Dockerfile,
}

/// 1-based line number of the line at `index`.
fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

impl Parser<'_> {
    fn warn(&mut self, index: usize, message: impl Into<String>) {
        self.file.warnings.push(ParseWarning {
            line: line_no(index),
            message: message.into(),
        });
    }

    /// Reads parser directives from the top of the file; returns the index
    /// of the first line after them. Directives end at the first line that
    /// is not one (a comment, a blank line, an instruction).
    fn directives(&mut self) -> usize {
        let mut seen: Vec<String> = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let Some((name, value)) = directive(line) else {
                return i;
            };
            if seen.contains(&name) {
                self.warn(i, format!("duplicate parser directive {name:?} ignored"));
                continue;
            }
            match name.as_str() {
                "syntax" => self.file.directives.syntax = Some(value),
                "check" => self.file.directives.check = Some(value),
                "escape" => match value.as_str() {
                    "\\" => self.file.directives.escape = '\\',
                    "`" => self.file.directives.escape = '`',
                    _ => self.warn(
                        i,
                        format!("invalid escape character {value:?} (only \\ or `); using \\"),
                    ),
                },
                _ => return i,
            }
            seen.push(name);
        }
        self.lines.len()
    }

    /// Parses the instruction starting at line `start`; returns the index of
    /// the line after it (after its heredoc bodies).
    fn instruction(&mut self, start: usize) -> usize {
        let escape = self.file.directives.escape;
        let mut logical = String::new();
        let mut last = start;
        let mut j = start;
        loop {
            let line = self.lines[j];
            let trimmed = line.trim_start();
            // Inside a continuation, comment lines are dropped and blank
            // lines skipped, as BuildKit does.
            let skip = j > start && (trimmed.is_empty() || trimmed.starts_with('#'));
            let mut continues = true;
            if !skip {
                let (content, more) = strip_continuation(line, escape);
                logical.push_str(content);
                last = j;
                continues = more;
            }
            if !continues || j + 1 >= self.lines.len() {
                break;
            }
            j += 1;
        }
        let next = j + 1;

        let logical_trimmed = logical.trim();
        let (word, rest) = logical_trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((logical_trimmed, ""));
        let Some(keyword) = Keyword::from_word(word) else {
            self.warn(start, format!("unknown instruction {word:?} skipped"));
            return next;
        };
        let (flags, rest) = if matches!(
            keyword,
            Keyword::From | Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Healthcheck
        ) {
            split_flags(rest)
        } else {
            (Vec::new(), rest.trim_start())
        };
        let text = rest.trim().to_string();
        let args = match exec_form(keyword, &text) {
            Some(words) => Arguments::Exec(words),
            None => Arguments::Shell(text.clone()),
        };

        let mut end = last;
        let mut after = next;
        let mut heredocs = Vec::new();
        if keyword.takes_heredocs() && matches!(args, Arguments::Shell(_)) {
            for marker in heredoc_markers(&text) {
                match self.heredoc_body(after, &marker) {
                    Some(doc) => {
                        end = (doc.end_line as usize).saturating_sub(1);
                        after = end + 1;
                        heredocs.push(doc);
                    }
                    None => {
                        self.warn(
                            start,
                            format!(
                                "{keyword} skipped: heredoc <<{} has no terminating line",
                                marker.delimiter
                            ),
                        );
                        return self.lines.len();
                    }
                }
            }
        }

        let stage = self.file.stages.len().checked_sub(1);
        let instruction = Instruction {
            keyword,
            flags,
            args,
            heredocs,
            text,
            start_line: line_no(start),
            end_line: line_no(end),
            stage,
        };
        self.add(instruction, start);
        after
    }

    /// Collects a heredoc body starting at line `from`, or `None` when the
    /// file ends before its terminator.
    fn heredoc_body(&self, from: usize, marker: &Marker) -> Option<Heredoc> {
        let mut body = String::new();
        for (i, line) in self.lines.iter().enumerate().skip(from) {
            let line = if marker.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if line == marker.delimiter {
                return Some(Heredoc {
                    delimiter: marker.delimiter.clone(),
                    strip_tabs: marker.strip_tabs,
                    quoted: marker.quoted,
                    body,
                    start_line: line_no(from),
                    end_line: line_no(i),
                });
            }
            body.push_str(line);
            body.push('\n');
        }
        None
    }

    /// Files the instruction under its stage (a `FROM` opens a new one).
    fn add(&mut self, instruction: Instruction, start: usize) {
        match instruction.keyword {
            Keyword::From => {
                let words: Vec<&str> = instruction.text.split_whitespace().collect();
                let Some(base) = words.first() else {
                    self.warn(start, "FROM without an image skipped");
                    return;
                };
                let name = match words.get(1..) {
                    Some([as_word, name]) if as_word.eq_ignore_ascii_case("as") => {
                        Some(name.to_string())
                    }
                    Some([]) => None,
                    _ => {
                        self.warn(start, "FROM skipped: expected `FROM image [AS name]`");
                        return;
                    }
                };
                let index = self.file.stages.len();
                self.file.stages.push(Stage {
                    index,
                    name,
                    base: base.to_string(),
                    from: Instruction {
                        stage: Some(index),
                        ..instruction
                    },
                    instructions: Vec::new(),
                });
            }
            Keyword::Arg if self.file.stages.is_empty() => {
                self.file.args_before_from.push(instruction)
            }
            keyword => match self.file.stages.last_mut() {
                Some(stage) => stage.instructions.push(instruction),
                None => self.warn(start, format!("{keyword} before the first FROM skipped")),
            },
        }
    }
}

/// `# name=value` at the top of the file: a parser directive (name
/// lower-cased).
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix('#')?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    let value = value.trim();
    let valid = name.chars().next()?.is_ascii_alphabetic()
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && !value.is_empty();
    valid.then(|| (name.to_ascii_lowercase(), value.to_string()))
}

/// The line without a trailing escape character (and the whitespace after
/// it), and whether it continues on the next line.
fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end();
    match trimmed.strip_suffix(escape) {
        Some(content) => (content, true),
        None => (line, false),
    }
}

/// Leading `--name[=value]` words, and the rest.
fn split_flags(mut rest: &str) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    loop {
        rest = rest.trim_start();
        let Some(body) = rest.strip_prefix("--") else {
            break;
        };
        let end = body.find(char::is_whitespace).unwrap_or(body.len());
        let word = &body[..end];
        if word.is_empty() {
            break;
        }
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (word, None),
        };
        flags.push(Flag {
            name: name.to_string(),
            value,
        });
        rest = &body[end..];
    }
    (flags, rest)
}

/// The JSON array of an exec-form instruction; `None` for shell form (a
/// `[` that is not a JSON array of strings is shell form, as in BuildKit).
fn exec_form(keyword: Keyword, text: &str) -> Option<Vec<String>> {
    let takes_exec = matches!(
        keyword,
        Keyword::Run
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Shell
            | Keyword::Copy
            | Keyword::Add
            | Keyword::Volume
    );
    if !takes_exec || !text.starts_with('[') {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// A heredoc marker found on an instruction line.
struct Marker {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
}

/// The heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) among the
/// words of `text`, in order. Words inside quotes are not markers, and
/// `<<<` is a here-string.
fn heredoc_markers(text: &str) -> Vec<Marker> {
    words(text)
        .into_iter()
        .filter_map(|word| {
            let word = word.trim_start_matches(|c: char| c.is_ascii_digit());
            let rest = word.strip_prefix("<<")?;
            let (strip_tabs, rest) = match rest.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            if rest.is_empty() || rest.contains('<') {
                return None;
            }
            let quoted = rest.contains(['"', '\'']);
            let delimiter: String = rest.chars().filter(|c| !matches!(c, '"' | '\'')).collect();
            (!delimiter.is_empty()).then_some(Marker {
                delimiter,
                strip_tabs,
                quoted,
            })
        })
        .collect()
}

/// Whitespace-separated words, keeping quoted spans inside their word; a
/// word that starts inside quotes is returned with its quotes so it never
/// looks like a marker.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}
