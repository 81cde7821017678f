//! Image layers → Dockerfile lines: which instruction of the final stage
//! made each layer, so a finding can point at the `RUN` that installed its
//! package (a pull request that adds that line sees the alert), and
//! base-image packages at the final stage's `FROM`.
//!
//! How it matches. The image config's history says, per layer, the build
//! step that made it (`created_by`). The final stage's own layers are the
//! newest ones, so the history is walked from the newest layer down, and the
//! final stage's layer-making instructions (`RUN`, `COPY`, `ADD`, `WORKDIR`)
//! from the last one up:
//!
//! - A history entry is normalised first: BuildKit's ` # buildkit` suffix
//!   and `RUN ` prefix, the `|N NAME=value …` build-argument prefix, a shell
//!   prefix (`/bin/sh -c`, `/bin/bash -o pipefail -c`) and the classic
//!   builder's `#(nop) ` marker are removed.
//! - A `RUN` matches when its command equals the entry's with runs of
//!   whitespace collapsed (exec form: the words joined by spaces; with
//!   heredocs: the entry's first line). `COPY`/`ADD` match a `COPY`/`ADD`
//!   entry with the same destination (the classic builder's `… in DEST`,
//!   BuildKit's last word; a destination with `$` matches any); `WORKDIR`
//!   matches the same directory.
//! - Each entry takes the nearest matching instruction above the previous
//!   match. Instructions skipped over made no layer (an empty diff is not
//!   a layer); that is allowed.
//! - The first entry that matches nothing (or has no `created_by`) is where
//!   the base image ends: it and every layer below map to `FROM`.
//!
//! Where it gives up (every layer maps to `FROM`, and the caller is told
//! why): when the newest layer matches no instruction although the final
//! stage has some (the image was not built from this stage, or its history
//! was squashed or rewritten), and when a `RUN`, `COPY` or `ADD` above the
//! earliest match is left unmatched (its layer is missing or differs, so
//! where the base image ends cannot be told).

use super::config::LayerInfo;
use crate::dockerfile::{Arguments, Dockerfile, Instruction, Keyword, LineRange};
use crate::error::Result;
use std::path::{Component, Path, PathBuf};

/// The Dockerfile lines of each layer of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerLines {
    /// The final stage's `FROM` line(s): where base-image layers point.
    pub from: LineRange,
    /// Per layer, in layer order: the instruction that made it, or `from`.
    pub layers: Vec<LineRange>,
    /// How many of the newest layers were matched to an instruction.
    pub matched: usize,
    /// Why matching gave up, when it did.
    pub gave_up: Option<String>,
}

impl LayerLines {
    /// The lines of layer `index`; `from` when unknown.
    pub fn for_layer(&self, index: Option<usize>) -> LineRange {
        index
            .and_then(|i| self.layers.get(i))
            .copied()
            .unwrap_or(self.from)
    }
}

/// The Dockerfile an image was built from, as reports name it, and where
/// each of the image's layers came from in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDockerfile {
    /// Relative to the repository root (`GITHUB_WORKSPACE`, else the
    /// working directory) when the file is inside it, else as given;
    /// `/`-separated.
    pub path: String,
    pub lines: LayerLines,
}

impl ImageDockerfile {
    /// Reads the Dockerfile (`explicit`, else `Dockerfile` in the working
    /// directory when there is one) and maps `layers` to its lines. A
    /// Dockerfile given explicitly must be readable; one without any `FROM`
    /// is ignored with a warning.
    pub fn locate(
        explicit: Option<&Path>,
        layers: &[LayerInfo],
    ) -> Result<Option<ImageDockerfile>> {
        let default = Path::new("Dockerfile");
        let path = match explicit {
            Some(p) => p,
            None if default.is_file() => default,
            None => return Ok(None),
        };
        let dockerfile = Dockerfile::read(path)?;
        let Some(lines) = map_layers(&dockerfile, layers) else {
            tracing::warn!(
                "{}: no FROM instruction; findings are not placed on it",
                path.display()
            );
            return Ok(None);
        };
        match &lines.gave_up {
            Some(why) => tracing::warn!(
                "{}: the image's history does not line up with the final stage ({why}); every finding points at its FROM line",
                path.display()
            ),
            None => tracing::debug!(
                "{}: {} of {} layers matched to instructions",
                path.display(),
                lines.matched,
                layers.len()
            ),
        }
        Ok(Some(ImageDockerfile {
            path: repo_relative(path),
            lines,
        }))
    }
}

/// `path` relative to the repository root, `/`-separated: GitHub code
/// scanning only shows files by their path in the repository.
fn repo_relative(path: &Path) -> String {
    let root = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .and_then(|r| r.canonicalize().ok());
    let relative = match (root, path.canonicalize()) {
        (Some(root), Ok(abs)) => abs.strip_prefix(&root).map(Path::to_path_buf).ok(),
        _ => None,
    };
    let shown = relative.unwrap_or_else(|| path.to_path_buf());
    let parts: Vec<String> = shown
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/").replace("//", "/")
}

/// A layer-making build step, reduced to what both sides can say.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// The command run (from an instruction: whitespace collapsed; from
    /// the history: as recorded, heredoc bodies included).
    Run(String),
    /// `COPY` or `ADD` to `dest`.
    Copy {
        add: bool,
        dest: String,
    },
    Workdir(String),
}

/// Maps `layers` to lines of `dockerfile`'s final stage; `None` when the
/// Dockerfile has no stage.
pub fn map_layers(dockerfile: &Dockerfile, layers: &[LayerInfo]) -> Option<LayerLines> {
    let stage = dockerfile.final_stage()?;
    let from = stage.from.lines();
    let candidates: Vec<(&Instruction, Step)> = stage
        .instructions
        .iter()
        .filter_map(|i| instruction_step(i).map(|s| (i, s)))
        .collect();
    let mut lines = vec![from; layers.len()];
    let mut remaining = candidates.len();
    let mut matched = 0;
    for (index, layer) in layers.iter().enumerate().rev() {
        let Some(step) = layer.created_by.as_deref().and_then(history_step) else {
            break;
        };
        let hit = candidates[..remaining]
            .iter()
            .rposition(|(ins, s)| same_step(ins, s, &step));
        let Some(k) = hit else {
            break;
        };
        lines[index] = candidates[k].0.lines();
        remaining = k;
        matched += 1;
    }
    let gave_up = if matched == 0 && !candidates.is_empty() {
        Some("the newest layer matches no instruction of the final stage".to_string())
    } else {
        candidates[..remaining]
            .iter()
            .rfind(|(ins, _)| ins.keyword != Keyword::Workdir)
            .map(|(ins, _)| {
                format!(
                    "{} on line {} matches no layer of the image",
                    ins.keyword, ins.start_line
                )
            })
    };
    if gave_up.is_some() {
        lines = vec![from; layers.len()];
        matched = 0;
    }
    Some(LayerLines {
        from,
        layers: lines,
        matched,
        gave_up,
    })
}

fn instruction_step(ins: &Instruction) -> Option<Step> {
    let last_word = || match &ins.args {
        Arguments::Exec(words) => words.last().cloned().unwrap_or_default(),
        Arguments::Shell(text) => text.split_whitespace().last().unwrap_or("").to_string(),
    };
    match ins.keyword {
        Keyword::Run => Some(Step::Run(collapse(&match &ins.args {
            Arguments::Exec(words) => words.join(" "),
            Arguments::Shell(text) => text.clone(),
        }))),
        Keyword::Copy | Keyword::Add => Some(Step::Copy {
            add: ins.keyword == Keyword::Add,
            dest: last_word(),
        }),
        Keyword::Workdir => Some(Step::Workdir(ins.text.clone())),
        _ => None,
    }
}

/// The step a history `created_by` describes; `None` for metadata-only
/// steps (which make no layer) and unknown forms.
fn history_step(created_by: &str) -> Option<Step> {
    let mut s = created_by.trim();
    if let Some(rest) = s.strip_suffix("# buildkit") {
        s = rest.trim_end();
    }
    let (word, rest) = split_word(s);
    match word {
        "RUN" => return Some(Step::Run(strip_shell(strip_build_args(rest)).to_string())),
        "COPY" | "ADD" => {
            return Some(Step::Copy {
                add: word == "ADD",
                dest: rest.split_whitespace().last()?.to_string(),
            })
        }
        "WORKDIR" => return Some(Step::Workdir(rest.trim().to_string())),
        _ => {}
    }
    // The classic builder: `[|N A=b …] /bin/sh -c [#(nop) ]…`.
    let s = strip_shell(strip_build_args(s));
    let Some(nop) = s.strip_prefix("#(nop)") else {
        return Some(Step::Run(s.to_string()));
    };
    let (word, rest) = split_word(nop.trim());
    match word {
        "COPY" | "ADD" => Some(Step::Copy {
            add: word == "ADD",
            dest: rest
                .rsplit_once(" in ")
                .map_or(rest, |(_, dest)| dest)
                .trim()
                .to_string(),
        }),
        "WORKDIR" => Some(Step::Workdir(rest.trim().to_string())),
        _ => None,
    }
}

fn same_step(ins: &Instruction, ours: &Step, theirs: &Step) -> bool {
    match (ours, theirs) {
        (Step::Run(a), Step::Run(b)) if !ins.heredocs.is_empty() => {
            b.lines().next().is_some_and(|first| collapse(first) == *a)
        }
        (Step::Run(a), Step::Run(b)) => collapse(b) == *a,
        (Step::Copy { add: a, dest: d1 }, Step::Copy { add: b, dest: d2 }) => {
            a == b && same_path(d1, d2)
        }
        (Step::Workdir(a), Step::Workdir(b)) => same_path(a, b),
        _ => false,
    }
}

/// Whether a destination as written (`ours`) is the one the history
/// recorded: equal, or a relative or variable path the builder resolved.
fn same_path(ours: &str, theirs: &str) -> bool {
    let trim = |p: &str| p.trim_end_matches('/').to_string();
    let (ours, theirs) = (trim(ours), trim(theirs));
    if ours == theirs || ours.contains('$') {
        return true;
    }
    let relative = ours.trim_start_matches("./");
    !ours.starts_with('/') && (relative.is_empty() || theirs.ends_with(&format!("/{relative}")))
}

fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    s.split_once(char::is_whitespace).unwrap_or((s, ""))
}

/// Removes BuildKit's and the classic builder's `|N NAME=value …` prefix.
fn strip_build_args(s: &str) -> &str {
    let s = s.trim_start();
    let Some(count) = s.strip_prefix('|') else {
        return s;
    };
    let (n, mut rest) = split_word(count);
    let Ok(n) = n.parse::<usize>() else {
        return s;
    };
    for _ in 0..n {
        rest = split_word(rest).1;
    }
    rest.trim_start()
}

/// Removes a leading shell invocation: an absolute path to a shell, its
/// options, and `-c`.
fn strip_shell(s: &str) -> &str {
    let s = s.trim_start();
    let (first, _) = split_word(s);
    let is_shell = first.starts_with('/')
        && ["sh", "bash", "ash", "dash", "zsh"]
            .iter()
            .any(|sh| first.rsplit('/').next() == Some(sh));
    if !is_shell {
        return s;
    }
    let mut rest = s;
    for _ in 0..8 {
        let (word, tail) = split_word(rest);
        if word.is_empty() {
            break;
        }
        rest = tail;
        if word == "-c" {
            return rest.trim_start();
        }
    }
    s
}

/// Runs of whitespace as one space, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn layers(created_by: &[&str]) -> Vec<LayerInfo> {
        created_by
            .iter()
            .enumerate()
            .map(|(i, c)| LayerInfo {
                diff_id: format!("sha256:{i}"),
                created_by: Some(c.to_string()),
            })
            .collect()
    }

    fn starts(map: &LayerLines) -> Vec<u32> {
        map.layers.iter().map(|l| l.start).collect()
    }

    const DOCKERFILE: &str = "\
FROM golang:1.22 AS build
RUN go build -o /out/app ./cmd/app

FROM debian:12-slim
ARG VERSION=1
RUN apt-get update && \\
    apt-get install -y --no-install-recommends \\
      ca-certificates curl
WORKDIR /app
COPY --from=build /out/app /usr/local/bin/app
RUN <<EOF
useradd app
EOF
USER app
";

    #[test]
    fn buildkit_history_maps_each_layer_to_its_instruction() {
        let d = parse(DOCKERFILE);
        let map = map_layers(
            &d,
            &layers(&[
                "/bin/sh -c #(nop) ADD file:0123abcd in / ",
                "RUN |1 VERSION=1 /bin/sh -c apt-get update &&     apt-get install -y --no-install-recommends       ca-certificates curl # buildkit",
                "WORKDIR /app",
                "COPY /out/app /usr/local/bin/app # buildkit",
                "RUN |1 VERSION=1 /bin/sh -c <<EOF\nuseradd app\nEOF # buildkit",
            ]),
        )
        .unwrap();
        assert_eq!(map.gave_up, None);
        assert_eq!(starts(&map), vec![4, 6, 9, 10, 11]);
        assert_eq!(map.layers[1].end, 8);
        assert_eq!(map.layers[4].end, 13);
        assert_eq!(map.matched, 4);
    }

    #[test]
    fn classic_builder_history_and_skipped_empty_layers() {
        let d = parse(DOCKERFILE);
        // The classic builder made no WORKDIR layer (its directory existed)
        // and records COPY as `file:<hash> in DEST`.
        let map = map_layers(
            &d,
            &layers(&[
                "/bin/sh -c #(nop) ADD file:0123abcd in / ",
                "/bin/sh -c apt-get update &&     apt-get install -y --no-install-recommends       ca-certificates curl",
                "/bin/sh -c #(nop) COPY file:99aa in /usr/local/bin/app ",
                "|1 VERSION=1 /bin/sh -c <<EOF\nuseradd app\nEOF",
            ]),
        )
        .unwrap();
        assert_eq!(map.gave_up, None);
        assert_eq!(starts(&map), vec![4, 6, 10, 11]);
    }

    #[test]
    fn gives_up_when_the_newest_layer_is_not_from_this_stage() {
        let d = parse(DOCKERFILE);
        let map = map_layers(&d, &layers(&["ADD rootfs.tar /", "RUN echo other"])).unwrap();
        assert_eq!(starts(&map), vec![4, 4]);
        assert!(map.gave_up.unwrap().contains("newest layer"));
    }

    #[test]
    fn gives_up_when_an_instruction_above_the_matches_has_no_layer() {
        let d = parse(DOCKERFILE);
        let map = map_layers(
            &d,
            &layers(&[
                "/bin/sh -c #(nop) ADD file:0123abcd in / ",
                "COPY /out/app /usr/local/bin/app # buildkit",
                "RUN /bin/sh -c <<EOF\nuseradd app\nEOF # buildkit",
            ]),
        )
        .unwrap();
        assert_eq!(starts(&map), vec![4, 4, 4]);
        assert_eq!(
            map.gave_up.as_deref(),
            Some("RUN on line 6 matches no layer of the image")
        );
        assert_eq!(map.for_layer(Some(2)).start, 4);
    }

    #[test]
    fn a_final_stage_without_layers_maps_everything_to_from() {
        let d = parse("FROM debian:12\nUSER nobody\n");
        let map = map_layers(&d, &layers(&["ADD file:x in /", "RUN apt-get update"])).unwrap();
        assert_eq!((starts(&map), map.gave_up), (vec![1, 1], None));
        assert!(map_layers(&parse("# nothing\n"), &[]).is_none());
    }

    #[test]
    fn shells_and_build_args_are_stripped() {
        assert_eq!(
            history_step("|2 A=1 B=2 /bin/bash -o pipefail -c make  install"),
            Some(Step::Run("make  install".into()))
        );
        assert_eq!(history_step("/bin/sh -c #(nop)  CMD [\"bash\"]"), None);
        assert_eq!(
            history_step("RUN apt-get install -y jq # buildkit"),
            Some(Step::Run("apt-get install -y jq".into()))
        );
    }
}
