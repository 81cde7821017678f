//! Placeholder: being written.
use super::{Package, PackageAnalyzer, PackageFormat, ParseError, Want};

pub struct RpmAnalyzer;

impl PackageAnalyzer for RpmAnalyzer {
    fn format(&self) -> PackageFormat {
        PackageFormat::Rpm
    }
    fn wants(&self) -> &'static [Want] {
        &[]
    }
    fn version(&self) -> u32 {
        1
    }
    fn parse(&self, path: &str, _content: &[u8]) -> Result<Vec<Package>, ParseError> {
        Err(ParseError::new(path, "not implemented"))
    }
}
