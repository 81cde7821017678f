//! Where an executable's virtual addresses are in its file: the loadable
//! segments (ELF program headers, PE sections, Mach-O segments), read
//! from the file's first bytes, which is where all three keep them. Go
//! binaries built before Go 1.18 point from their build info to the
//! toolchain version and module info by address, not by file offset.

/// One mapped range: `size` bytes at virtual address `addr` are at file
/// offset `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    addr: u64,
    offset: u64,
    size: u64,
}

/// The mapped ranges of one executable.
#[derive(Debug, Default)]
pub struct AddressMap {
    segments: Vec<Segment>,
}

impl AddressMap {
    /// Reads the map from the first bytes of an ELF, PE or Mach-O file.
    /// Tables that do not fit in `head` are left out: an address in them
    /// then has no offset.
    pub fn from_head(head: &[u8]) -> AddressMap {
        let segments = if head.starts_with(b"\x7fELF") {
            elf(head)
        } else if head.starts_with(b"MZ") {
            pe(head)
        } else {
            macho(head)
        };
        AddressMap {
            segments: segments.unwrap_or_default(),
        }
    }

    /// The file offset of the `len` bytes at virtual address `addr`, when
    /// one segment maps them all.
    pub fn offset(&self, addr: u64, len: u64) -> Option<u64> {
        self.segments.iter().find_map(|s| {
            let end = addr.checked_add(len)?;
            (s.addr <= addr && end <= s.addr.checked_add(s.size)?)
                .then(|| s.offset + (addr - s.addr))
        })
    }
}

/// Little- or big-endian reads at an offset, `None` past the end.
#[derive(Clone, Copy)]
struct Bytes<'a> {
    data: &'a [u8],
    big: bool,
}

impl Bytes<'_> {
    fn uint(&self, at: usize, width: usize) -> Option<u64> {
        let b = self.data.get(at..at.checked_add(width)?)?;
        let mut v = 0u64;
        for i in 0..width {
            let byte = if self.big { b[i] } else { b[width - 1 - i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    }
    fn u16(&self, at: usize) -> Option<usize> {
        usize::try_from(self.uint(at, 2)?).ok()
    }
    fn u32(&self, at: usize) -> Option<u64> {
        self.uint(at, 4)
    }
    fn u64(&self, at: usize) -> Option<u64> {
        self.uint(at, 8)
    }
}

fn elf(head: &[u8]) -> Option<Vec<Segment>> {
    const PT_LOAD: u64 = 1;
    let wide = *head.get(4)? == 2;
    let b = Bytes {
        data: head,
        big: *head.get(5)? == 2,
    };
    let (phoff, phentsize, phnum) = if wide {
        (b.u64(0x20)?, b.u16(0x36)?, b.u16(0x38)?)
    } else {
        (b.u32(0x1c)?, b.u16(0x2a)?, b.u16(0x2c)?)
    };
    let phoff = usize::try_from(phoff).ok()?;
    let mut segments = Vec::new();
    for i in 0..phnum {
        let at = phoff.checked_add(i.checked_mul(phentsize)?)?;
        if b.u32(at)? != PT_LOAD {
            continue;
        }
        let (offset, addr, size) = if wide {
            (b.u64(at + 8)?, b.u64(at + 16)?, b.u64(at + 32)?)
        } else {
            (b.u32(at + 4)?, b.u32(at + 8)?, b.u32(at + 16)?)
        };
        segments.push(Segment { addr, offset, size });
    }
    Some(segments)
}

fn pe(head: &[u8]) -> Option<Vec<Segment>> {
    let b = Bytes {
        data: head,
        big: false,
    };
    let pe = usize::try_from(b.u32(0x3c)?).ok()?;
    if head.get(pe..pe + 4)? != b"PE\0\0" {
        return None;
    }
    let coff = pe + 4;
    let sections = b.u16(coff + 2)?;
    let optional = coff + 20;
    let image_base = match b.u16(optional)? {
        0x10b => b.u32(optional + 28)?,
        0x20b => b.u64(optional + 24)?,
        _ => return None,
    };
    let table = optional + b.u16(coff + 16)?;
    let mut segments = Vec::new();
    for i in 0..sections {
        let at = table + i * 40;
        segments.push(Segment {
            addr: image_base.checked_add(b.u32(at + 12)?)?,
            size: b.u32(at + 16)?,
            offset: b.u32(at + 20)?,
        });
    }
    Some(segments)
}

fn macho(head: &[u8]) -> Option<Vec<Segment>> {
    const LC_SEGMENT: u64 = 0x1;
    const LC_SEGMENT_64: u64 = 0x19;
    let (big, wide) = match head.get(..4)? {
        [0xfe, 0xed, 0xfa, 0xce] => (true, false),
        [0xce, 0xfa, 0xed, 0xfe] => (false, false),
        [0xfe, 0xed, 0xfa, 0xcf] => (true, true),
        [0xcf, 0xfa, 0xed, 0xfe] => (false, true),
        _ => return None,
    };
    let b = Bytes { data: head, big };
    let commands = b.u32(16)?;
    let mut at = if wide { 32 } else { 28 };
    let mut segments = Vec::new();
    for _ in 0..commands {
        let (cmd, size) = (b.u32(at)?, usize::try_from(b.u32(at + 4)?).ok()?);
        match cmd {
            LC_SEGMENT => segments.push(Segment {
                addr: b.u32(at + 24)?,
                offset: b.u32(at + 32)?,
                size: b.u32(at + 36)?,
            }),
            LC_SEGMENT_64 => segments.push(Segment {
                addr: b.u64(at + 24)?,
                offset: b.u64(at + 40)?,
                size: b.u64(at + 48)?,
            }),
            _ => {}
        }
        if size == 0 {
            break;
        }
        at = at.checked_add(size)?;
    }
    Some(segments)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 64-bit little-endian ELF header with `segments` as PT_LOAD
    /// program headers (addr, offset, size), padded to `len` bytes.
    pub fn elf64(segments: &[(u64, u64, u64)], len: usize) -> Vec<u8> {
        let mut f = vec![0u8; 64];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2;
        f[5] = 1;
        f[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        f[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        f[0x38..0x3a].copy_from_slice(&(segments.len() as u16).to_le_bytes());
        for &(addr, offset, size) in segments {
            let mut ph = vec![0u8; 56];
            ph[..4].copy_from_slice(&1u32.to_le_bytes());
            ph[8..16].copy_from_slice(&offset.to_le_bytes());
            ph[16..24].copy_from_slice(&addr.to_le_bytes());
            ph[32..40].copy_from_slice(&size.to_le_bytes());
            f.extend(ph);
        }
        f.resize(len, 0);
        f
    }

    #[test]
    fn elf_segments_map_addresses_to_offsets() {
        let map = AddressMap::from_head(&elf64(
            &[(0x40_0000, 0, 0x1000), (0x60_0000, 0x3000, 0x200)],
            512,
        ));
        assert_eq!(map.offset(0x40_0010, 8), Some(0x10));
        assert_eq!(map.offset(0x60_0100, 16), Some(0x3100));
        assert_eq!(map.offset(0x60_01f8, 16), None, "runs past the segment");
        assert_eq!(map.offset(0x50_0000, 1), None);
    }

    #[test]
    fn pe_sections_and_macho_segments() {
        let mut pe = vec![0u8; 0x200];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        pe[0x86] = 1; // one section
        pe[0x94] = 0xf0; // optional header size
        pe[0x98..0x9a].copy_from_slice(&0x20bu16.to_le_bytes());
        pe[0x98 + 24..0x98 + 32].copy_from_slice(&0x1_4000_0000u64.to_le_bytes());
        let s = 0x98 + 0xf0;
        pe[s + 12..s + 16].copy_from_slice(&0x2000u32.to_le_bytes());
        pe[s + 16..s + 20].copy_from_slice(&0x400u32.to_le_bytes());
        pe[s + 20..s + 24].copy_from_slice(&0x600u32.to_le_bytes());
        assert_eq!(
            AddressMap::from_head(&pe).offset(0x1_4000_2010, 8),
            Some(0x610)
        );

        let mut m = vec![0u8; 32 + 72];
        m[..4].copy_from_slice(&[0xcf, 0xfa, 0xed, 0xfe]);
        m[16] = 1;
        m[32..36].copy_from_slice(&0x19u32.to_le_bytes());
        m[36..40].copy_from_slice(&72u32.to_le_bytes());
        m[32 + 24..32 + 32].copy_from_slice(&0x1_0000_0000u64.to_le_bytes());
        m[32 + 40..32 + 48].copy_from_slice(&0u64.to_le_bytes());
        m[32 + 48..32 + 56].copy_from_slice(&0x8000u64.to_le_bytes());
        assert_eq!(
            AddressMap::from_head(&m).offset(0x1_0000_0100, 4),
            Some(0x100)
        );
    }

    #[test]
    fn garbage_maps_nothing() {
        for head in [&b"\x7fELF\x02\x01"[..], b"MZ", b"\xcf\xfa\xed\xfe\xff\xff"] {
            assert_eq!(AddressMap::from_head(head).offset(0, 1), None);
        }
    }
}
