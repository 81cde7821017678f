//! Executables in image layers: Go binaries (their embedded build info)
//! and Rust binaries built with cargo-auditable (their `.dep-v0` section:
//! the crate list as zlib-compressed JSON). A binary is read once, as a
//! stream, while its layer goes past: only bounded windows around what is
//! looked for are ever held, never the file (a 200 MB binary costs a 256
//! KiB buffer), and only the packages found are kept for the layer.
//!
//! Neither is found through the executable's section table, which an
//! ELF file keeps at its end, after the data it describes: on a stream
//! that would mean holding the whole file. The build info is found by its
//! 16-byte aligned magic, as `go version` does for files without
//! sections; the crate list by its zlib header followed by a stream that
//! inflates to `{"packages":[`. Build info of Go before 1.18 points back,
//! by virtual address, to strings in the read-only data before it: the
//! stream keeps the segment tables at the file's start and the few
//! strings such a pointer can land on (toolchain versions, module infos
//! in their sentinels), and resolves the pointers against those.

use super::golang::buildinfo;
use super::golang::exe::AddressMap;
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
pub const VERSION: u32 = 2;

const CHUNK: usize = 256 * 1024;
/// Bytes kept past a candidate position before it is judged.
const LOOKAHEAD: usize = 512;
/// The largest crate list inflated: a program with a few thousand crates
/// has a list of a few hundred KiB.
const MAX_CRATE_LIST: usize = 8 << 20;
const CRATE_LIST_START: &[u8] = b"{\"packages\":[";
/// The file's first bytes, kept for its segment tables.
const HEAD: usize = 64 * 1024;
/// Strings kept that old build info may point to: toolchain-version
/// candidates (`go1.…`, 40 bytes each) and module infos (up to
/// [`buildinfo::WINDOW`] each).
const MAX_VERSIONS: usize = 4096;
const MAX_MODINFOS: usize = 4;
const VERSION_BYTES: usize = 40;

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
    let mut s = Stream {
        reader,
        buf: Vec::with_capacity(CHUNK + LOOKAHEAD),
        base: 0,
        eof: false,
        head: Vec::new(),
        recalled: Vec::new(),
        modinfos: 0,
    };
    let go = |packages| BinaryPackages {
        format: PackageFormat::GoBinary,
        packages,
    };
    let mut i = 0;
    let found = loop {
        if !s.eof && s.buf.len() - i < LOOKAHEAD {
            s.forget(i);
            i = 0;
            s.fill(CHUNK)?;
            continue;
        }
        let Some(&byte) = s.buf.get(i) else {
            break None;
        };
        match byte {
            0xff if (s.base + i as u64).is_multiple_of(16)
                && s.buf[i..].starts_with(buildinfo::MAGIC) =>
            {
                s.ensure(i + 32)?;
                if buildinfo::is_inline(&s.buf[i..]) {
                    s.ensure(i + buildinfo::WINDOW)?;
                    let end = s.buf.len().min(i + buildinfo::WINDOW);
                    break Some(buildinfo::parse(&s.buf[i..end]).map(go));
                }
                let header = s.buf[i..].get(..32).map(<[u8]>::to_vec).unwrap_or_default();
                let map = AddressMap::from_head(&s.head);
                let mut fetch = |wanted: &[(u64, u64)]| s.fetch(&map, wanted);
                break Some(buildinfo::parse_pointed(&header, &mut fetch)?.map(go));
            }
            0x78 if is_crate_list(&s.buf[i..]) => {
                let rest = s.buf.split_off(i);
                break Some(inflate_crate_list(&rest, s.reader)?);
            }
            0x30 if s.buf[i..].starts_with(buildinfo::MODINFO_START) => s.recall_modinfo(i)?,
            b'g' if s.buf[i..].starts_with(b"go1.") => s.recall_version(i),
            _ => {}
        }
        i += 1;
    };
    io::copy(s.reader, &mut io::sink())?;
    Ok(found.transpose())
}

/// An executable streaming past: a window of it (`buf`, starting at file
/// offset `base`), its first bytes, and the strings recalled so far.
struct Stream<'r> {
    reader: &'r mut dyn Read,
    buf: Vec<u8>,
    base: u64,
    eof: bool,
    head: Vec<u8>,
    /// (file offset, bytes) of strings old build info may point to.
    recalled: Vec<(u64, Vec<u8>)>,
    modinfos: usize,
}

impl Stream<'_> {
    /// Reads up to `n` more bytes into the window.
    fn fill(&mut self, n: usize) -> io::Result<()> {
        let before = self.buf.len();
        self.eof = fill(self.reader, &mut self.buf, n)?;
        if self.head.len() < HEAD && self.base as usize + before == self.head.len() {
            let room = HEAD - self.head.len();
            let new = &self.buf[before..];
            self.head.extend_from_slice(&new[..new.len().min(room)]);
        }
        Ok(())
    }

    /// Grows the window to `len` bytes, or to the end of the file.
    fn ensure(&mut self, len: usize) -> io::Result<()> {
        while self.buf.len() < len && !self.eof {
            self.fill(len - self.buf.len())?;
        }
        Ok(())
    }

    /// Drops the window's first `n` bytes.
    fn forget(&mut self, n: usize) {
        self.base += n as u64;
        self.buf.drain(..n);
    }

    fn recall_version(&mut self, i: usize) {
        if self.recalled.len() < MAX_VERSIONS + MAX_MODINFOS {
            let end = self.buf.len().min(i + VERSION_BYTES);
            self.recalled
                .push((self.base + i as u64, self.buf[i..end].to_vec()));
        }
    }

    fn recall_modinfo(&mut self, i: usize) -> io::Result<()> {
        if self.modinfos >= MAX_MODINFOS {
            return Ok(());
        }
        self.ensure(i + buildinfo::WINDOW)?;
        if let Some(len) = buildinfo::modinfo_len(&self.buf[i..]) {
            self.modinfos += 1;
            self.recalled
                .push((self.base + i as u64, self.buf[i..i + len].to_vec()));
        }
        Ok(())
    }

    /// The bytes at each (virtual address, length): from the strings
    /// recalled when they are behind the window, from the window, or read
    /// ahead (in file order) when they are past it.
    fn fetch(
        &mut self,
        map: &AddressMap,
        wanted: &[(u64, u64)],
    ) -> io::Result<Vec<Option<Vec<u8>>>> {
        let mut order: Vec<(usize, Option<u64>)> = wanted
            .iter()
            .enumerate()
            .map(|(k, &(addr, len))| (k, map.offset(addr, len)))
            .collect();
        order.sort_by_key(|&(_, offset)| offset);
        let mut out = vec![None; wanted.len()];
        for (k, offset) in order {
            let (Some(offset), Ok(len)) = (offset, usize::try_from(wanted[k].1)) else {
                continue;
            };
            out[k] = self.bytes_at(offset, len)?;
        }
        Ok(out)
    }

    fn bytes_at(&mut self, offset: u64, len: usize) -> io::Result<Option<Vec<u8>>> {
        if offset < self.base {
            return Ok(self.recalled.iter().find_map(|(at, data)| {
                let from = usize::try_from(offset.checked_sub(*at)?).ok()?;
                data.get(from..from.checked_add(len)?).map(<[u8]>::to_vec)
            }));
        }
        // Skip ahead to `offset`, holding no more than the window.
        while offset >= self.base + self.buf.len() as u64 && !self.eof {
            let n = self.buf.len();
            self.forget(n);
            self.fill(CHUNK)?;
        }
        let from = usize::try_from(offset - self.base).unwrap_or(usize::MAX);
        if from >= self.buf.len() {
            return Ok(None);
        }
        self.ensure(from + len)?;
        Ok(self.buf.get(from..from + len).map(<[u8]>::to_vec))
    }
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

    /// Go 1.13–1.17: the header in the data segment points to string
    /// headers after it, whose bytes are in the read-only data before it,
    /// chunks away. (`go version -m` reads the same layout, built by
    /// Python, identically.)
    #[test]
    fn resolves_old_build_info_through_the_segments() {
        use crate::inventory::golang::exe::tests::elf64;
        let modinfo = [
            buildinfo::MODINFO_START,
            b"path\tx\nmod\tx\t(devel)\t\ndep\tgolang.org/x/net\tv0.7.0\th1:y\n",
            b"\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2",
        ]
        .concat();
        let data = (3 * CHUNK + 0x100) as u64;
        let base = 0x40_0000u64;
        let va = |offset: u64| base + offset;
        let mut file = elf64(&[(va(0), 0, data), (va(data), data, 0x1000)], 0x1000);
        file.extend(b"go1.17.13");
        file.resize(0x1100, 0);
        file.extend(&modinfo);
        file.resize(data as usize, 0);
        file.extend(buildinfo::tests::pointed_header(
            8,
            va(data + 0x40),
            va(data + 0x50),
        ));
        file.resize(data as usize + 0x40, 0);
        for (at, len) in [(0x1000u64, 9u64), (0x1100, modinfo.len() as u64)] {
            file.extend(va(at).to_le_bytes());
            file.extend(len.to_le_bytes());
        }
        file.resize(data as usize + 0x1000, 0);
        let found = analyze(&mut file.as_slice()).unwrap().unwrap().unwrap();
        assert_eq!(found.format, PackageFormat::GoBinary);
        assert_eq!(
            names(&found),
            vec![
                ("stdlib".into(), "v1.17.13".into()),
                ("golang.org/x/net".into(), "v0.7.0".into())
            ]
        );
        // Without the segment table the pointers lead nowhere: a warning.
        file[0x38] = 0;
        assert!(analyze(&mut file.as_slice()).unwrap().is_err());
    }

    #[test]
    fn other_executables_have_nothing() {
        let file = vec![7u8; 2 * CHUNK];
        assert_eq!(analyze(&mut file.as_slice()).unwrap(), Ok(None));
    }
}
