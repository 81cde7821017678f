//! Trivy's configuration file (`trivy.yaml`), read as flat dotted keys
//! (`vulnerability.ignore-unfixed`), the way Trivy maps its flags onto it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A config file larger than this is not a config file.
const MAX_BYTES: u64 = 1 << 20;

/// One setting's value: a scalar, or a list of scalars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

impl Value {
    /// The value's items: one for a scalar.
    pub fn items(&self) -> Vec<String> {
        match self {
            Value::Text(t) => vec![t.clone()],
            Value::List(items) => items.clone(),
        }
    }
}

/// A parsed `trivy.yaml`.
#[derive(Debug)]
pub struct TrivyFile {
    pub path: PathBuf,
    entries: BTreeMap<String, Value>,
}

impl TrivyFile {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Every key set in the file, dotted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Parses `text`, read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<TrivyFile, String> {
        let shown = path.display();
        let root: Option<serde_json::Value> = serde_saphyr::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map_or(String::new(), |l| format!("{}:{}:", l.line(), l.column()));
            format!("{shown}:{at} not valid YAML")
        })?;
        let mut entries = BTreeMap::new();
        match root {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Object(map)) => flatten("", &map, &mut entries),
            Some(_) => return Err(format!("{shown}: not a mapping of settings")),
        }
        Ok(TrivyFile {
            path: path.to_path_buf(),
            entries,
        })
    }
}

/// Loads the config file at `path`. A default one (`explicit` false) that
/// does not exist is `None`; a named one that does not is an error, as is
/// one that is not YAML.
pub fn load(path: &Path, explicit: bool) -> Result<Option<TrivyFile>, String> {
    let shown = path.display();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(None),
        Err(e) => return Err(format!("{shown}: cannot read the config file: {e}")),
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("{shown}: cannot read the config file: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: the config file is not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: cannot read the config file: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!("{shown}: the config file is larger than 1 MiB"));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8 text"))?;
    TrivyFile::parse(path, &text).map(Some)
}

fn flatten(
    prefix: &str,
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut BTreeMap<String, Value>,
) {
    for (key, value) in map {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            serde_json::Value::Object(inner) => flatten(&key, inner, out),
            serde_json::Value::Array(items) => {
                let items = items.iter().filter_map(scalar).collect();
                out.insert(key, Value::List(items));
            }
            serde_json::Value::Null => {}
            other => {
                if let Some(text) = scalar(other) {
                    out.insert(key, Value::Text(text));
                }
            }
        }
    }
}

fn scalar(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_keys_are_dotted_and_lists_kept() {
        let text = "severity:\n  - HIGH\n  - CRITICAL\nexit-code: 1\nvulnerability:\n  ignore-unfixed: true\nscan:\n  skip-dirs: [node_modules]\ndb:\n  repository: x\n";
        let f = TrivyFile::parse(Path::new("trivy.yaml"), text).unwrap();
        assert_eq!(
            f.get("severity"),
            Some(&Value::List(vec!["HIGH".into(), "CRITICAL".into()]))
        );
        assert_eq!(f.get("exit-code"), Some(&Value::Text("1".into())));
        assert_eq!(
            f.get("vulnerability.ignore-unfixed"),
            Some(&Value::Text("true".into()))
        );
        assert_eq!(
            f.keys().collect::<Vec<_>>(),
            [
                "db.repository",
                "exit-code",
                "scan.skip-dirs",
                "severity",
                "vulnerability.ignore-unfixed"
            ]
        );
    }

    #[test]
    fn errors_name_the_file_and_quote_nothing() {
        let err = TrivyFile::parse(Path::new("t.yaml"), "severity: [HIGH\nsecret-token: abc")
            .unwrap_err();
        assert!(err.starts_with("t.yaml:"), "{err}");
        assert!(!err.contains("abc"), "{err}");
        let err = TrivyFile::parse(Path::new("t.yaml"), "- a\n- b\n").unwrap_err();
        assert_eq!(err, "t.yaml: not a mapping of settings");
        assert!(TrivyFile::parse(Path::new("t.yaml"), "")
            .unwrap()
            .keys()
            .next()
            .is_none());
    }

    #[test]
    fn a_missing_default_file_is_none_a_missing_named_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trivy.yaml");
        assert!(load(&path, false).unwrap().is_none());
        assert!(load(&path, true).unwrap_err().contains("cannot read"));
        std::fs::write(&path, [0xff, 0xfe, b'\n']).unwrap();
        assert!(load(&path, false).unwrap_err().contains("not UTF-8"));
    }
}
