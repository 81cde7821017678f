//! The fuzz targets' bodies (`fuzz/harness.rs`) on their seed corpus and on
//! deterministic mutations of it, inside `cargo test`. This is not
//! coverage-guided fuzzing (that is `cargo fuzz`, see README "Fuzzing"),
//! but it keeps every target compiling, runs each parser on thousands of
//! damaged inputs on every CI run, and replays the corpus, so an input the
//! fuzzer once crashed on (added to `fuzz/corpus/<target>/`) stays fixed.

#[path = "../fuzz/harness.rs"]
mod harness;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::rpmdb::{bdb_packages, ndb_packages, rpmdb_sqlite, RpmPackage};
use support::*;

/// Time spent on mutations per target (a debug build).
const BUDGET: Duration = Duration::from_millis(1500);

/// The committed seeds of `target`, plus binary ones built here (layer
/// tars, rpm databases of all three formats).
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| std::fs::read(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    match target {
        "layer" => {
            let layer = Layer::new()
                .file("etc/os-release", debian12_os_release())
                .file(
                    "var/lib/dpkg/status",
                    dpkg_status(&[("libc6", "2.36-9", None)]),
                )
                .symlink("usr/lib/os-release", "../../etc/os-release")
                .whiteout("var/lib/gone")
                .opaque("opt");
            seeds.push(layer.tar());
            seeds.push(layer.clone().gzip().blob());
        }
        "rpm" => {
            let pkgs = [RpmPackage::new("bash", "5.1.8", "6.el9", "x86_64")];
            seeds.push(rpmdb_sqlite(&pkgs));
            seeds.push(bdb_packages(&pkgs));
            seeds.push(ndb_packages(&pkgs));
        }
        _ => {}
    }
    assert!(!seeds.is_empty(), "no seeds for {target}");
    seeds
}

/// A small deterministic generator (xorshift64*), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to five mutations of `seed`: flipped, replaced, inserted, deleted
/// or duplicated bytes, a cut, or boundary integers in place.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] = [0, 0xff, 0x7f, 0x80, b'\n', b':', b'/'][rng.below(7)];
            }
            2 => {
                let n = rng.below(16) + 1;
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                out.splice(at..at, bytes);
            }
            3 => {
                let end = (at + rng.below(64) + 1).min(out.len());
                out.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(512) + 1).min(out.len());
                let chunk = out[at..end].to_vec();
                out.splice(at..at, chunk);
            }
            5 => out.truncate(at),
            _ if out.len() >= 4 => {
                let i = at.min(out.len() - 4);
                let v = [0u32, u32::MAX, 0x7fff_ffff, 65_535][rng.below(4)];
                out[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_fuzz_target_survives_its_corpus_and_mutations_of_it() {
    for (name, target) in harness::TARGETS {
        let seeds = seeds(name);
        for seed in &seeds {
            target(seed);
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
        let started = Instant::now();
        let mut runs = 0;
        while started.elapsed() < BUDGET {
            let seed = &seeds[rng.below(seeds.len())];
            target(&mutate(seed, &mut rng));
            runs += 1;
        }
        eprintln!("{name}: {} seeds, {runs} mutations", seeds.len());
        assert!(runs > 0);
    }
}

/// Not a check: writes every target's seeds (the committed corpus and the
/// binary seeds built above) to `$SCANGATE_FUZZ_SEEDS/<target>/`, the
/// corpus `.ci/run` gives `cargo fuzz run`, so coverage-guided runs start
/// from real layer tars and rpm databases rather than from nothing.
#[test]
#[ignore = "run by .ci/run before cargo fuzz"]
fn write_fuzz_seeds() {
    let root =
        std::env::var_os("SCANGATE_FUZZ_SEEDS").expect("SCANGATE_FUZZ_SEEDS names a directory");
    for (name, _) in harness::TARGETS {
        let dir = Path::new(&root).join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds(name).iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), seed).unwrap();
        }
    }
}
