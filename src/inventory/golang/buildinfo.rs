//! The build information the Go linker embeds in every Go binary since Go
//! 1.13 (`go version -m` prints it): a 32-byte header starting `\xff Go
//! buildinf:`, aligned to 16 bytes at the start of the data segment, then
//! the toolchain version (`go1.22.5`) and the module info: `path`, `mod`
//! (the main module), `dep` lines and `=>` lines giving a dependency's
//! replacement. Since Go 1.18 both strings follow the header inline, each
//! varint-length-prefixed; before, the header holds two pointers to Go
//! string headers (address, length) in the data segment, whose bytes are in
//! the read-only data before it: those are resolved through the binary's
//! segments by the caller ([`parse_pointed`]).
//!
//! The toolchain is reported as the package `stdlib`, the name Go's
//! vulnerability database files standard-library advisories under, with
//! its version in SemVer form (`go1.22.5` → `v1.22.5`, `go1.21rc2` →
//! `v1.21.0-rc.2`).

use crate::inventory::Package;
use std::io;

/// The header's magic.
pub const MAGIC: &[u8] = b"\xff Go buildinf:";
/// How much after the magic is kept, and the longest module info read:
/// the module info of the largest Go programs (kubectl, docker) is well
/// under 64 KiB.
pub const WINDOW: usize = 1 << 20;
/// The sentinels the go command wraps the module info in.
pub const MODINFO_START: &[u8] =
    b"\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
const MODINFO_END: &[u8] = b"\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2";
/// The longest toolchain version read (`go1.21.13 X:boringcrypto`).
const MAX_VERSION: usize = 128;

/// Whether the build info starting at `data[0]` has its strings inline
/// (Go 1.18 on), rather than pointers to them.
pub fn is_inline(data: &[u8]) -> bool {
    data.get(15).is_some_and(|flags| flags & 2 != 0)
}

/// Parses Go 1.18+ build info that starts at `data[0]` (the magic).
/// Returns the main module's packages, `stdlib` included, or why not.
pub fn parse(data: &[u8]) -> Result<Vec<Package>, String> {
    let mut rest = data.get(32..).ok_or("truncated build info header")?;
    let version = take_string(&mut rest).ok_or("truncated toolchain version")?;
    let modinfo = take_string(&mut rest).ok_or("truncated module info")?;
    Ok(packages(version, modinfo))
}

/// Where [`parse_pointed`] reads: the bytes at each (virtual address,
/// length), resolved together (in file order, as a stream allows), `None`
/// for any it cannot reach.
pub type Fetch<'a> = dyn FnMut(&[(u64, u64)]) -> io::Result<Vec<Option<Vec<u8>>>> + 'a;

/// Parses the build info of a Go 1.13–1.17 binary from its 32-byte
/// header, fetching the strings it points to, as `go version -m` does.
pub fn parse_pointed(
    header: &[u8],
    fetch: &mut Fetch<'_>,
) -> io::Result<Result<Vec<Package>, String>> {
    let Some(header) = header.get(..32) else {
        return Ok(Err("truncated build info header".into()));
    };
    let width = usize::from(header[14]);
    if width != 4 && width != 8 {
        return Ok(Err(format!("build info with a pointer size of {width}")));
    }
    let big = header[15] != 0;
    let pointer = |b: &[u8]| -> u64 {
        let b = &b[..width];
        let mut v = 0u64;
        for i in 0..width {
            v = (v << 8) | u64::from(if big { b[i] } else { b[width - 1 - i] });
        }
        v
    };
    let string_headers = [pointer(&header[16..]), pointer(&header[16 + width..])];
    let size = 2 * width as u64;
    let got = fetch(&[(string_headers[0], size), (string_headers[1], size)])?;
    let (Some(version_header), Some(modinfo_header)) = (&got[0], &got[1]) else {
        return Ok(Err(
            "build info of Go before 1.18 whose string headers could not be located".into(),
        ));
    };
    let (version_at, version_len) = (pointer(version_header), pointer(&version_header[width..]));
    let (modinfo_at, modinfo_len) = (pointer(modinfo_header), pointer(&modinfo_header[width..]));
    if version_len > MAX_VERSION as u64 || modinfo_len > WINDOW as u64 {
        return Ok(Err(
            "build info of Go before 1.18 with implausible string lengths".into(),
        ));
    }
    let got = fetch(&[(version_at, version_len), (modinfo_at, modinfo_len)])?;
    match (&got[0], &got[1]) {
        (Some(version), Some(modinfo)) => Ok(Ok(packages(version, modinfo))),
        _ => Ok(Err(
            "build info of Go before 1.18 whose strings could not be located".into(),
        )),
    }
}

/// The packages of a toolchain version and a module info string.
fn packages(version: &[u8], modinfo: &[u8]) -> Vec<Package> {
    let mut packages = Vec::new();
    if let Some(v) = stdlib_version(&String::from_utf8_lossy(version)) {
        packages.push(Package::language("stdlib", &v, None));
    }
    // The module info is wrapped in 16 sentinel bytes on each side.
    let inner = match modinfo.len() {
        n if n >= 33 && modinfo[n - 17] == b'\n' => &modinfo[16..n - 16],
        _ => modinfo,
    };
    let text = String::from_utf8_lossy(inner);
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[..] {
            ["mod", path, version, ..] if version != "(devel)" && !version.is_empty() => {
                packages.push(Package::language(path, version, None));
            }
            ["dep", path, version, ..] => packages.push(Package::language(path, version, None)),
            ["=>", path, version, ..] => {
                // Replaces the dependency just listed; a local directory
                // replacement has no version and no advisories.
                packages.pop();
                if !version.is_empty() && version != "(devel)" {
                    packages.push(Package::language(path, version, None));
                }
            }
            _ => {}
        }
    }
    packages
}

/// The length of the module info starting at `data[0]` (its start
/// sentinel), end sentinel included, if it ends within `data`.
pub fn modinfo_len(data: &[u8]) -> Option<usize> {
    let body = data.get(MODINFO_START.len()..)?;
    let end = body
        .windows(MODINFO_END.len())
        .position(|w| w == MODINFO_END)?;
    Some(MODINFO_START.len() + end + MODINFO_END.len())
}

/// A uvarint-prefixed string.
fn take_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let mut len: u64 = 0;
    let mut shift = 0;
    loop {
        let (&b, tail) = rest.split_first()?;
        *rest = tail;
        len |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    let len = usize::try_from(len).ok()?;
    let s = rest.get(..len)?;
    *rest = &rest[len..];
    Some(s)
}

/// `go1.22.5` → `v1.22.5`; `go1.21` → `v1.21.0`; `go1.21rc2` →
/// `v1.21.0-rc.2`; a `devel` or experiment-suffixed toolchain keeps what
/// precedes the suffix (`go1.22.5 X:boringcrypto` → `v1.22.5`).
pub fn stdlib_version(go: &str) -> Option<String> {
    let bare = go.split([' ', '+', '-']).next()?.strip_prefix("go")?;
    let (release, pre) = match bare.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&bare[..i], Some(&bare[i..])),
        None => (bare, None),
    };
    let mut parts: Vec<&str> = release.split('.').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    while parts.len() < 3 {
        parts.push("0");
    }
    let mut v = format!("v{}", parts.join("."));
    if let Some(pre) = pre {
        let digits = pre.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let word = &pre[..pre.len() - digits.len()];
        v.push_str(&format!("-{word}.{digits}"));
    }
    Some(v)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn varint(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut n = n as u64;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    /// Build info as the Go 1.18+ linker writes it.
    pub fn build_info(version: &str, modinfo: &str) -> Vec<u8> {
        let mut data = MAGIC.to_vec();
        data.push(8); // pointer size
        data.push(2); // flags: inline strings
        data.resize(32, 0);
        data.extend(varint(version.len()));
        data.extend(version.as_bytes());
        let wrapped = format!("{}{modinfo}{}", "0".repeat(16), "1".repeat(16));
        data.extend(varint(wrapped.len()));
        data.extend(wrapped.as_bytes());
        data
    }

    #[test]
    fn main_module_dependencies_replacements_and_stdlib() {
        let modinfo = "path\texample.com/app\nmod\texample.com/app\tv1.2.0\th1:x\ndep\tgithub.com/a/b\tv1.0.0\th1:y\ndep\tgolang.org/x/net\tv0.1.0\th1:z\n=>\tgolang.org/x/net\tv0.2.0\th1:w\ndep\texample.com/local\tv0.0.0\n=>\t../local\t\t\nbuild\t-compiler=gc\n";
        let found = parse(&build_info("go1.22.5", modinfo)).unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("stdlib", "v1.22.5"),
                ("example.com/app", "v1.2.0"),
                ("github.com/a/b", "v1.0.0"),
                ("golang.org/x/net", "v0.2.0"),
            ]
        );
    }

    #[test]
    fn truncated_build_info_is_an_error() {
        let whole = build_info("go1.22.5", "path\tx\n");
        assert!(is_inline(&whole));
        assert!(parse(&whole[..40]).is_err());
    }

    /// A Go 1.13–1.17 header: pointers to two string headers.
    pub fn pointed_header(width: usize, version_header: u64, modinfo_header: u64) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        h.push(width as u8);
        h.push(0); // little-endian, pointers
        h.extend(&version_header.to_le_bytes()[..width]);
        h.extend(&modinfo_header.to_le_bytes()[..width]);
        h.resize(32, 0);
        h
    }

    #[test]
    fn pointed_build_info_fetches_headers_then_strings() {
        let modinfo = [
            MODINFO_START,
            b"path\tx\nmod\tx\t(devel)\t\ndep\tgithub.com/a/b\tv1.0.0\th1:y\n",
            MODINFO_END,
        ]
        .concat();
        let memory: Vec<(u64, Vec<u8>)> = vec![
            (0x100, [0x900u64.to_le_bytes(), 9u64.to_le_bytes()].concat()),
            (
                0x200,
                [0xa00u64.to_le_bytes(), (modinfo.len() as u64).to_le_bytes()].concat(),
            ),
            (0x900, b"go1.16.15".to_vec()),
            (0xa00, modinfo.clone()),
        ];
        let mut fetch = |wanted: &[(u64, u64)]| -> io::Result<Vec<Option<Vec<u8>>>> {
            Ok(wanted
                .iter()
                .map(|(addr, len)| {
                    memory
                        .iter()
                        .find(|(a, d)| a == addr && d.len() as u64 == *len)
                        .map(|(_, d)| d.clone())
                })
                .collect())
        };
        let found = parse_pointed(&pointed_header(8, 0x100, 0x200), &mut fetch)
            .unwrap()
            .unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("stdlib", "v1.16.15"), ("github.com/a/b", "v1.0.0")]
        );
        // Out of reach: an error, not a guess.
        let mut nothing =
            |w: &[(u64, u64)]| -> io::Result<Vec<Option<Vec<u8>>>> { Ok(vec![None; w.len()]) };
        assert!(
            parse_pointed(&pointed_header(8, 0x100, 0x200), &mut nothing)
                .unwrap()
                .is_err()
        );
        assert!(
            parse_pointed(&pointed_header(8, 0x100, 0x200)[..20], &mut nothing)
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn toolchain_versions_as_semver() {
        assert_eq!(stdlib_version("go1.22.5").as_deref(), Some("v1.22.5"));
        assert_eq!(stdlib_version("go1.21").as_deref(), Some("v1.21.0"));
        assert_eq!(stdlib_version("go1.21rc2").as_deref(), Some("v1.21.0-rc.2"));
        assert_eq!(
            stdlib_version("go1.22.5 X:boringcrypto").as_deref(),
            Some("v1.22.5")
        );
        assert_eq!(stdlib_version("devel go1.23-abc"), None);
    }
}
