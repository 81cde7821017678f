//! Test helpers shared by the comparators' tests (compiled for tests only).

use std::cmp::Ordering;
use std::path::PathBuf;

use super::Comparator;

/// `a op b` for the ops the tables use.
pub fn parse_op(op: &str) -> Option<Ordering> {
    match op {
        "<" => Some(Ordering::Less),
        "=" => Some(Ordering::Equal),
        ">" => Some(Ordering::Greater),
        _ => None,
    }
}

pub fn op_str(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

/// Asserts `a op b` and its mirror `b op' a` for every row, reporting every
/// failing row at once.
pub fn check_table(c: &dyn Comparator, rows: &[(&str, &str, &str)]) {
    let mut failures = Vec::new();
    for &(a, op, b) in rows {
        let want = parse_op(op).unwrap_or_else(|| panic!("bad op {op:?} in table"));
        let got = c.compare(a, b);
        if got != Ok(want) {
            failures.push(format!("{a} {op} {b}: got {got:?}"));
        }
        let back = c.compare(b, a);
        if back != Ok(want.reverse()) {
            failures.push(format!("mirror of {a} {op} {b}: got {back:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Asserts that every version is refused, both as `a` and as `b`, and that
/// the error names the refused version.
pub fn check_invalid(c: &dyn Comparator, good: &str, bad: &[&str]) {
    let mut failures = Vec::new();
    for &v in bad {
        match c.compare(v, good) {
            Err(e) if e.version == v => {}
            other => failures.push(format!("{v:?} as a: {other:?}")),
        }
        match c.compare(good, v) {
            Err(e) if e.version == v => {}
            other => failures.push(format!("{v:?} as b: {other:?}")),
        }
        if c.validate(v).is_ok() {
            failures.push(format!("{v:?}: validate accepted it"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Asserts that every version is accepted.
pub fn check_valid(c: &dyn Comparator, good: &[&str]) {
    let bad: Vec<_> = good
        .iter()
        .filter_map(|v| c.validate(v).err().map(|e| e.to_string()))
        .collect();
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

/// Asserts that `compare` is a total preorder on `versions`: reflexive,
/// antisymmetric (`a < b` iff `b > a`) and transitive (for `<`, `=` and
/// mixes of both). A comparator that breaks these would make the same
/// installed version both affected and fixed depending on the order of
/// events, and would make `sort_by` panic.
pub fn check_total_order(c: &dyn Comparator, versions: &[&str]) {
    let n = versions.len();
    let mut m = vec![Ordering::Equal; n * n];
    for (i, a) in versions.iter().enumerate() {
        for (j, b) in versions.iter().enumerate() {
            m[i * n + j] = c
                .compare(a, b)
                .unwrap_or_else(|e| panic!("{a} vs {b}: {e}"));
        }
    }
    for i in 0..n {
        assert_eq!(m[i * n + i], Ordering::Equal, "{} != itself", versions[i]);
        for j in 0..n {
            assert_eq!(
                m[i * n + j],
                m[j * n + i].reverse(),
                "antisymmetry: {} vs {}",
                versions[i],
                versions[j]
            );
            for k in 0..n {
                let (ij, jk, ik) = (m[i * n + j], m[j * n + k], m[i * n + k]);
                // a <= b and b <= c imply a <= c, strictly if either is strict.
                if ij != Ordering::Greater && jk != Ordering::Greater {
                    let want = if ij == Ordering::Equal { jk } else { ij };
                    assert_eq!(
                        ik,
                        want,
                        "transitivity: {} {} {} {} {} but {} {} {}",
                        versions[i],
                        op_str(ij),
                        versions[j],
                        op_str(jk),
                        versions[k],
                        versions[i],
                        op_str(ik),
                        versions[k]
                    );
                }
            }
        }
    }
    // A comparator with these properties sorts without complaint.
    let mut sorted = versions.to_vec();
    sorted.sort_by(|a, b| c.compare(a, b).unwrap_or(Ordering::Equal));
}

/// One line of a `testdata/*-pairs.txt` file: `A B OP`, where OP is what
/// the real tool answered: `<`, `=`, `>`, or `error` when it refused one of
/// the two versions.
pub struct Pair {
    pub line: usize,
    pub a: String,
    pub b: String,
    pub want: Option<Ordering>,
}

pub fn parse_pairs(text: &str) -> Vec<Pair> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [a, b, op] = fields[..] else {
            panic!("line {}: want `A B OP`, got {raw:?}", i + 1);
        };
        let want = match op {
            "error" => None,
            _ => Some(parse_op(op).unwrap_or_else(|| panic!("line {}: bad op {op:?}", i + 1))),
        };
        out.push(Pair {
            line: i + 1,
            a: a.to_string(),
            b: b.to_string(),
            want,
        });
    }
    out
}

/// Checks every pair (and its mirror) of a pairs file; returns the number
/// of pairs checked and the mismatches, one line each.
pub fn check_pairs(c: &dyn Comparator, origin: &str, text: &str) -> (usize, Vec<String>) {
    let pairs = parse_pairs(text);
    let mut mismatches = Vec::new();
    for p in &pairs {
        let got = c.compare(&p.a, &p.b).ok();
        let back = c.compare(&p.b, &p.a).ok().map(Ordering::reverse);
        if got != p.want || back != p.want {
            let show = |o: Option<Ordering>| o.map_or("error", op_str);
            mismatches.push(format!(
                "{origin}:{}: {} {} tool says {}, scangate says {} (mirror {})",
                p.line,
                p.a,
                p.b,
                show(p.want),
                show(got),
                show(back)
            ));
        }
    }
    (pairs.len(), mismatches)
}

/// Checks the checked-in `testdata/<name>-pairs.txt`, and also
/// `$SCANGATE_VERSION_PAIRS_DIR/<name>-pairs.txt` when that variable is set
/// (`scripts/crosscheck-versions.sh` sets it to fresh pairs it has just
/// asked the real tools about). The checked-in table is always checked.
pub fn check_pairs_files(c: &dyn Comparator, name: &str, checked_in: &str) {
    let file = format!("{name}-pairs.txt");
    let mut sources = vec![(format!("testdata/{file}"), checked_in.to_string())];
    if let Some(dir) = std::env::var_os("SCANGATE_VERSION_PAIRS_DIR") {
        let path = PathBuf::from(dir).join(&file);
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.push((path.display().to_string(), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                println!(
                    "crosscheck {name}: no fresh pairs ({} absent)",
                    path.display()
                );
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    let mut all = Vec::new();
    for (origin, text) in &sources {
        let (n, mismatches) = check_pairs(c, origin, text);
        assert!(n > 0, "{origin}: no pairs");
        println!(
            "crosscheck {name}: {origin}: {n} pairs checked, {} mismatches",
            mismatches.len()
        );
        all.extend(mismatches);
    }
    assert!(all.is_empty(), "\n{}", all.join("\n"));
}

/// Hostile inputs every comparator must answer without panicking.
pub fn hostile_inputs() -> Vec<String> {
    let digits = "9".repeat(100_000);
    vec![
        String::new(),
        " ".into(),
        "\0".into(),
        "1\u{0}2".into(),
        digits.clone(),
        format!("{digits}:1"),
        format!("1:{digits}"),
        format!("1.{digits}-{digits}"),
        format!("0{digits}"),
        format!("1.0_p{digits}-r{digits}"),
        format!("1.0~{}", "a".repeat(100_000)),
        "~".repeat(10_000),
        "-".repeat(1000),
        ":".repeat(1000),
        "^".repeat(1000),
        ".".repeat(1000),
        "é漢🦀".into(),
        "1.0\u{1F980}".into(),
        "v".into(),
        "v1.2.3-".into(),
        "18446744073709551616".into(),
        "1:18446744073709551616".into(),
        "99999999999999999999999:1".into(),
        "-1:1".into(),
        "1.0-r".into(),
        "1.0_".into(),
    ]
}

/// Compares every hostile input with every other and with itself; the test
/// passes if nothing panics (errors are fine).
pub fn check_no_panic(c: &dyn Comparator) {
    let inputs = hostile_inputs();
    for a in &inputs {
        for b in &inputs {
            let _ = c.compare(a, b);
        }
        let _ = c.compare(a, "1.0.0");
        let _ = c.compare("1.0.0", a);
        let _ = c.validate(a);
    }
}

/// A small deterministic generator (xorshift64*), so the random tests need
/// no extra crate and fail the same way every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Asserts a total order on every version named in `tables` (both sides
/// of each row) plus `extra`.
pub fn check_tables_total_order(
    c: &dyn Comparator,
    tables: &[&[(&str, &str, &str)]],
    extra: &[&str],
) {
    let mut versions: Vec<&str> = extra.to_vec();
    for table in tables {
        for &(a, _, b) in table.iter() {
            versions.push(a);
            versions.push(b);
        }
    }
    versions.sort_unstable();
    versions.dedup();
    check_total_order(c, &versions);
}

/// Asserts a total order on 250 random versions built from the scheme's
/// `pieces`: the order must stay total beyond the hand-picked tables. The
/// seed is fixed, so a failure reproduces.
pub fn check_random_total_order(c: &dyn Comparator, pieces: &[&str]) {
    let versions = random_versions(c, pieces, 250, 0x5ca9_6a7e);
    assert!(
        versions.len() > 200,
        "generator too narrow: {}",
        versions.len()
    );
    let refs: Vec<&str> = versions.iter().map(String::as_str).collect();
    check_total_order(c, &refs);
}

/// `count` random versions built from `pieces`, those the comparator
/// accepts, deduplicated.
pub fn random_versions(
    c: &dyn Comparator,
    pieces: &[&str],
    count: usize,
    seed: u64,
) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < count && tries < count * 50 {
        tries += 1;
        let n = 1 + rng.below(6);
        let v: String = (0..n).map(|_| rng.pick(pieces)).collect();
        if c.validate(&v).is_ok() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}
