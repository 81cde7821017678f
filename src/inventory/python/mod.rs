//! Python: installed distributions (`*.dist-info/METADATA`,
//! `*.egg-info/PKG-INFO`) in images, and the lockfiles of a source tree
//! (`requirements*.txt`, `Pipfile.lock`, `poetry.lock`, `uv.lock`,
//! `pylock.toml`). Every set is matched in OSV's `PyPI` ecosystem, whose
//! names the vulnerability database compares PEP 503-normalised.

pub mod installed;
pub mod pipenv;
pub mod poetry;
pub mod pylock;
pub mod requirements;
pub mod uv;
