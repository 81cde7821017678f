//! Executables in image layers: Go binaries (their embedded build info)
//! and Rust binaries built with cargo-auditable (their `.dep-v0` section:
//! the crate list as zlib-compressed JSON). A binary is read once, as a
//! stream, while its layer goes past: only a bounded window around what is
//! looked for is ever held, never the file (a 200 MB binary costs a 256
//! KiB buffer), and only the packages found are kept for the layer.
//!
//! Neither is found through the executable's section table, which an
//! ELF file keeps at its end, after the data it describes: on a stream
//! that would mean holding the whole file. The build info is found by its
//! 16-byte aligned magic, as `go version` does for files without
//! sections; the crate list by its zlib header followed by a stream that
//! inflates to `{"packages":[`.

use super::golang::buildinfo;
use super::{Package, PackageFormat};
use flate2::{Decompress, FlushDecompress, Status};
use serde::{Deserialize, Serialize};
use std::io::{self, Read};

/// The packages one executable was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinaryPackages {
    pub format: PackageFormat,
    pub packages: Vec<Package>,
}

/// Bumped whenever what is read from binaries changes (part of the
/// layer-cache key, as analyzers' versions are).
pub const VERSION: u32 = 1;

const CHUNK: usize = 256 * 1024;
/// Bytes kept past a candidate position before it is judged.
const LOOKAHEAD: usize = 512;
/// The largest crate list inflated: a program with a few thousand crates
/// has a list of a few hundred KiB.
const MAX_CRATE_LIST: usize = 8 << 20;
const CRATE_LIST_START: &[u8] = b"{\"packages\":[";

/// Whether a file's first bytes are those of an executable format that
/// may carry either (ELF, PE, Mach-O).
pub fn is_executable_format(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
        || head.starts_with(b"MZ")
        || [
            [0xfe, 0xed, 0xfa, 0xce],
            [0xfe, 0xed, 0xfa, 0xcf],
            [0xce, 0xfa, 0xed, 0xfe],
            [0xcf, 0xfa, 0xed, 0xfe],
        ]
        .iter()
        .any(|m| head.starts_with(m))
}

/// Reads `reader` to its end looking for Go build info or a cargo-auditable
/// crate list. `Ok(None)`: neither (an executable of another language).
/// `Err`: what was found could not be read; the caller warns, naming the
/// file.
pub fn analyze(reader: &mut dyn Read) -> io::Result<Result<Option<BinaryPackages>, String>> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + LOOKAHEAD);
    // Absolute offset of buf[0] in the file: the build info is aligned.
    let mut base: u64 = 0;
    let mut eof = false;
    let mut found = None;
    while found.is_none() {
        if !eof {
            eof = fill(reader, &mut buf, CHUNK)?;
        }
        let limit = if eof {
            buf.len()
        } else {
            buf.len().saturating_sub(LOOKAHEAD)
        };
        let mut i = 0;
        while i < limit {
            match buf[i] {
                0xff if (base + i as u64).is_multiple_of(16)
                    && buf[i..].starts_with(buildinfo::MAGIC) =>
                {
                    // Everything up to the window after the magic.
                    let mut window = buf.split_off(i);
                    while window.len() < buildinfo::WINDOW && !fill(reader, &mut window, CHUNK)? {}
                    window.truncate(buildinfo::WINDOW);
                    found = Some(buildinfo::parse(&window).map(|packages| BinaryPackages {
                        format: PackageFormat::GoBinary,
                        packages,
                    }));
                    break;
                }
                0x78 if is_crate_list(&buf[i..]) => {
                    let rest = buf.split_off(i);
                    found = Some(inflate_crate_list(&rest, reader)?);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        if found.is_some() || eof {
            break;
        }
        base += limit as u64;
        buf.drain(..limit);
    }
    io::copy(reader, &mut io::sink())?;
    Ok(found.transpose())
}

/// Appends up to `n` bytes; `true` at the end of the stream.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, n: usize) -> io::Result<bool> {
    let got = reader.take(n as u64).read_to_end(buf)?;
    Ok(got == 0)
}

/// Whether a zlib stream starts here that inflates to a crate list.
fn is_crate_list(data: &[u8]) -> bool {
    if data.len() < 2 || !matches!(data[1], 0x01 | 0x5e | 0x9c | 0xda) {
        return false;
    }
    let mut z = Decompress::new(true);
    let mut out = [0u8; 16];
    let input = &data[..data.len().min(LOOKAHEAD)];
    match z.decompress(input, &mut out, FlushDecompress::None) {
        Ok(_) => out.starts_with(CRATE_LIST_START),
        Err(_) => false,
    }
}

/// Inflates the crate list starting at `head[0]`, reading on from `reader`.
fn inflate_crate_list(
    head: &[u8],
    reader: &mut dyn Read,
) -> io::Result<Result<BinaryPackages, String>> {
    let mut z = Decompress::new(true);
    let mut json: Vec<u8> = Vec::new();
    let mut input = head.to_vec();
    let mut eof = false;
    loop {
        let before_in = z.total_in();
        json.reserve(CHUNK);
        let status = match z.decompress_vec(&input, &mut json, FlushDecompress::None) {
            Ok(s) => s,
            Err(e) => return Ok(Err(format!("cargo-auditable crate list: {e}"))),
        };
        let used = usize::try_from(z.total_in() - before_in).unwrap_or(input.len());
        input.drain(..used.min(input.len()));
        if status == Status::StreamEnd {
            break;
        }
        if json.len() > MAX_CRATE_LIST {
            return Ok(Err("cargo-auditable crate list larger than 8 MiB".into()));
        }
        if input.is_empty() {
            if eof {
                return Ok(Err("truncated cargo-auditable crate list".into()));
            }
            eof = fill(reader, &mut input, CHUNK)?;
        }
    }
    Ok(crate_list(&json).map(|packages| BinaryPackages {
        format: PackageFormat::RustBinary,
        packages,
    }))
}

#[derive(Deserialize)]
struct CrateList {
    packages: Vec<Crate>,
}

#[derive(Deserialize)]
struct Crate {
    name: String,
    version: String,
    source: String,
    #[serde(default)]
    root: bool,
}

/// The crates.io crates of a crate list; the binary's own crate (`root`)
/// and local or git crates are left out.
fn crate_list(json: &[u8]) -> Result<Vec<Package>, String> {
    let list: CrateList =
        serde_json::from_slice(json).map_err(|e| format!("cargo-auditable crate list: {e}"))?;
    Ok(list
        .packages
        .into_iter()
        .filter(|c| !c.root && c.source == "crates.io")
        .map(|c| Package::language(&c.name, &c.version, None))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    fn names(found: &BinaryPackages) -> Vec<(String, String)> {
        found
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect()
    }

    #[test]
    fn finds_a_crate_list_deep_in_a_large_file() {
        let list = br#"{"packages":[{"name":"app","version":"0.1.0","source":"local","root":true},{"name":"time","version":"0.3.36","source":"crates.io","dependencies":[]},{"name":"forked","version":"1.0.0","source":"git"}]}"#;
        let mut file = b"\x7fELF".to_vec();
        // Noise with zlib-looking bytes that inflate to something else.
        file.extend(std::iter::repeat_n(0x78u8, 10));
        file.extend(zlib(b"not a crate list"));
        file.resize(3 * CHUNK + 17, 0x78);
        file.extend(zlib(list));
        file.extend(vec![0u8; CHUNK]);
        let found = analyze(&mut file.as_slice()).unwrap().unwrap().unwrap();
        assert_eq!(found.format, PackageFormat::RustBinary);
        assert_eq!(names(&found), vec![("time".into(), "0.3.36".into())]);
    }

    #[test]
    fn finds_aligned_go_build_info_across_chunks() {
        let info = buildinfo::tests::build_info(
            "go1.21.4",
            "path\tx\nmod\tx\t(devel)\t\ndep\tgithub.com/a/b\tv1.0.0\th1:y\n",
        );
        let mut file = b"\x7fELF".to_vec();
        // A misaligned copy of the magic is not build info.
        file.extend(vec![0u8; 3]);
        file.extend(buildinfo::MAGIC);
        file.resize(CHUNK - 16, 0);
        file.extend(&info);
        file.extend(vec![0u8; 100]);
        let found = analyze(&mut file.as_slice()).unwrap().unwrap().unwrap();
        assert_eq!(found.format, PackageFormat::GoBinary);
        assert_eq!(
            names(&found),
            vec![
                ("stdlib".into(), "v1.21.4".into()),
                ("github.com/a/b".into(), "v1.0.0".into())
            ]
        );
    }

    #[test]
    fn other_executables_have_nothing() {
        let file = vec![7u8; 2 * CHUNK];
        assert_eq!(analyze(&mut file.as_slice()).unwrap(), Ok(None));
    }
}
