//! Ruby: installed gems' `specifications/*.gemspec` in images, and
//! `Gemfile.lock` in source trees. Every set is matched in OSV's
//! `RubyGems` ecosystem, whose versions `version::rubygems` orders.

pub mod gemfile_lock;
pub mod gemspec;
