//! The build information the Go linker embeds in every Go binary since Go
//! 1.18 (`go version -m` prints it): a 32-byte header starting `\xff Go
//! buildinf:`, aligned to 16 bytes, then two varint-length-prefixed
//! strings, the toolchain version (`go1.22.5`) and the module info:
//! `path`, `mod` (the main module), `dep` lines and `=>` lines giving a
//! dependency's replacement. Binaries of older toolchains point to these
//! strings instead of inlining them and are not read.
//!
//! The toolchain is reported as the package `stdlib`, the name Go's
//! vulnerability database files standard-library advisories under, with
//! its version in SemVer form (`go1.22.5` → `v1.22.5`, `go1.21rc2` →
//! `v1.21.0-rc.2`).

use crate::inventory::Package;

/// The header's magic.
pub const MAGIC: &[u8] = b"\xff Go buildinf:";
/// How much after the magic is kept: the module info of the largest Go
/// programs (kubectl, docker) is well under 64 KiB.
pub const WINDOW: usize = 1 << 20;

/// Parses the build info that starts at `data[0]` (the magic). Returns the
/// main module's packages, `stdlib` included, or why not.
pub fn parse(data: &[u8]) -> Result<Vec<Package>, String> {
    let header = data.get(..32).ok_or("truncated build info header")?;
    let flags = header[15];
    if flags & 2 == 0 {
        return Err("build info of a Go toolchain before 1.18 (not read)".into());
    }
    let mut rest = &data[32..];
    let version = take_string(&mut rest).ok_or("truncated toolchain version")?;
    let modinfo = take_string(&mut rest).ok_or("truncated module info")?;
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
    Ok(packages)
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
    fn old_and_truncated_build_info_are_errors() {
        let mut old = build_info("go1.17", "");
        old[15] = 0;
        assert!(parse(&old).unwrap_err().contains("before 1.18"));
        let whole = build_info("go1.22.5", "path\tx\n");
        assert!(parse(&whole[..40]).is_err());
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
