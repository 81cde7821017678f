//! Applies the layers' analyses (see [`analyze`](super::analyze)) to the
//! final file view: takes what was found in each wanted file's final
//! version, groups it into package sets, and works out which layer
//! introduced each package from what was found in the file's earlier
//! versions.

use super::analyze::detect_os;
use super::os::Os;
use super::LayerScan;
use super::{purl, Package, PackageAnalyzer, PackageFormat, Want, ANALYZERS};
use crate::ecosystem::Ecosystem;
use crate::image::view::Located;
use crate::image::FileView;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Everything found in an image or tree.
#[derive(Debug)]
pub struct Inventory {
    pub os: Option<Os>,
    /// The package sets: OS package databases, lockfiles, directories of
    /// installed language packages. Sorted by path.
    pub package_dbs: Vec<PackageSet>,
}

/// What the inventory keeps besides what is installed. (Which analyzers
/// ran, by [`Scope`](super::Scope), was decided when each layer was read.)
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep lockfiles' development-only dependencies (`--include-dev-deps`).
    pub include_dev_deps: bool,
    /// Keep what analyzers can only guess (`--detection-priority
    /// comprehensive`; see `PackageAnalyzer::guessed`).
    pub comprehensive: bool,
}

/// The packages of one package database, lockfile or install directory
/// (or one directory of databases, such as distroless `status.d/`), with
/// the OSV ecosystem they are matched in.
#[derive(Debug)]
pub struct PackageSet {
    pub format: PackageFormat,
    /// The OSV ecosystems the packages are matched in, the main one first
    /// (Red Hat's product streams and Ubuntu Pro add more). Empty where OSV
    /// publishes no advisories (an OS it does not cover): the packages are
    /// listed, not matched.
    pub ecosystems: Vec<Ecosystem>,
    /// Where the set is, relative to the root (`var/lib/dpkg/status`,
    /// `srv/app/poetry.lock`, `usr/lib/python3/dist-packages`).
    pub path: String,
    /// Sorted by name, then version.
    pub packages: Vec<FoundPackage>,
}

impl PackageSet {
    /// The main ecosystem, which reports name.
    pub fn ecosystem(&self) -> Option<&Ecosystem> {
        self.ecosystems.first()
    }
}

/// A package and where it came from.
#[derive(Debug)]
pub struct FoundPackage {
    pub package: Package,
    pub purl: String,
    /// The file that declares the package, relative to the root: the set's
    /// path for a database or lockfile, the package's own `METADATA` in an
    /// install directory.
    pub file: String,
    /// Index of the layer that introduced this version of the package.
    pub layer: usize,
}

/// Inventories the stacked layers (lowest first).
pub fn inventory(layers: &[LayerScan], options: Options) -> Inventory {
    let view = FileView::stack(layers);
    let os = detect_os(layers, &view);
    let mut package_dbs = Vec::new();
    for analyzer in ANALYZERS {
        let format = analyzer.format();
        for (set_path, files) in sets(&view, *analyzer) {
            let mut packages = Vec::new();
            for file in files {
                let found = match layers
                    .get(file.layer)
                    .and_then(|l| l.analysis(&file.path, format))
                {
                    Some(Ok(found)) => found,
                    Some(Err(e)) => {
                        tracing::warn!("skipping {e}");
                        continue;
                    }
                    None => continue,
                };
                let found: Vec<&Package> = found
                    .iter()
                    .filter(|p| options.include_dev_deps || !p.dev)
                    .filter(|p| options.comprehensive || !analyzer.guessed(p))
                    .collect();
                let origins = origin_layers(format, layers, &file, &found);
                packages.extend(found.into_iter().zip(origins).map(|(package, layer)| {
                    FoundPackage {
                        purl: purl::for_package(format, os.as_ref(), package),
                        package: package.clone(),
                        file: file.path.clone(),
                        layer,
                    }
                }));
            }
            if packages.is_empty() {
                continue;
            }
            packages.sort_by(|a, b| {
                (&a.package.name, &a.package.version, &a.file).cmp(&(
                    &b.package.name,
                    &b.package.version,
                    &b.file,
                ))
            });
            package_dbs.push(PackageSet {
                format,
                ecosystems: format.ecosystems(os.as_ref()),
                path: set_path,
                packages,
            });
        }
    }
    package_dbs.extend(binary_sets(layers, &view, os.as_ref()));
    package_dbs.sort_by(|a, b| a.path.cmp(&b.path).then(a.format.cmp(&b.format)));
    Inventory { os, package_dbs }
}

/// One set per executable of the final file view whose build the layer
/// scan could read (Go build info, cargo-auditable crate lists); the
/// binary's layer is its packages' layer.
fn binary_sets(layers: &[LayerScan], view: &FileView, os: Option<&Os>) -> Vec<PackageSet> {
    let mut sets = Vec::new();
    for (index, layer) in layers.iter().enumerate() {
        for (path, found) in &layer.binaries {
            let here = Located {
                path: path.clone(),
                layer: index,
            };
            if view.resolve(path).as_ref() != Some(&here) || found.packages.is_empty() {
                continue;
            }
            let mut packages: Vec<FoundPackage> = found
                .packages
                .iter()
                .map(|p| FoundPackage {
                    purl: purl::for_package(found.format, os, p),
                    package: p.clone(),
                    file: path.clone(),
                    layer: index,
                })
                .collect();
            packages.sort_by(|a, b| {
                (&a.package.name, &a.package.version).cmp(&(&b.package.name, &b.package.version))
            });
            sets.push(PackageSet {
                format: found.format,
                ecosystems: found.format.ecosystems(os),
                path: path.clone(),
                packages,
            });
        }
    }
    sets
}

/// The package sets an analyzer finds in the view, each with its files. A
/// file reached through two wanted paths (a symlinked directory) counts once,
/// under its real path, so a report names the same database whichever link
/// the image has.
fn sets(view: &FileView, analyzer: &dyn PackageAnalyzer) -> BTreeMap<String, Vec<Located>> {
    let mut seen = BTreeSet::new();
    let mut sets: BTreeMap<String, Vec<Located>> = BTreeMap::new();
    for want in analyzer.wants() {
        let found: Vec<(String, Located)> = match want {
            Want::File(path) => match view.resolve(path) {
                Some(located) => vec![(located.path.clone(), located)],
                None => continue,
            },
            Want::DirEntries(dir) => view
                .files_matching(|p| want.matches(p))
                .into_iter()
                .map(|l| (dir.to_string(), l))
                .collect(),
            Want::Glob(_) => view
                .files_matching(|p| want.matches(p))
                .into_iter()
                .map(|l| (analyzer.set_path(&l.path), l))
                .collect(),
            // Binaries become sets of their own (`binary_sets`).
            Want::Executable => continue,
        };
        for (set, located) in found {
            if seen.insert(located.path.clone()) {
                sets.entry(set).or_default().push(located);
            }
        }
    }
    sets
}

/// For each package of the final database version, the lowest layer from
/// which that same install has been present without a break. Walks what
/// was found in the database's earlier versions downwards, stopping where
/// a layer deleted or replaced the file. Linear in the packages per layer
/// (a hash set per version, never pairwise): a hostile image with the
/// same huge database in many layers must not cost their product.
fn origin_layers(
    format: PackageFormat,
    layers: &[LayerScan],
    file: &Located,
    packages: &[&Package],
) -> Vec<usize> {
    let mut origin = vec![file.layer; packages.len()];
    let mut open: Vec<usize> = (0..packages.len()).collect();
    for lower in (0..file.layer).rev() {
        if open.is_empty() || hides(&layers[lower + 1], &file.path) {
            break;
        }
        let older = match layers[lower].analysis(&file.path, format) {
            None => continue,
            Some(Err(_)) => break,
            Some(Ok(older)) => older,
        };
        let installed: HashSet<_> = older.iter().map(Package::install_key).collect();
        open.retain(|&i| {
            let present = installed.contains(&packages[i].install_key());
            if present {
                origin[i] = lower;
            }
            present
        });
    }
    origin
}

/// Whether `layer` deletes what lower layers had at `path`.
fn hides(layer: &LayerScan, path: &str) -> bool {
    let covers = |dir: &str| dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"));
    layer.tree.whiteouts.iter().any(|w| covers(w))
        || layer.tree.opaque_dirs.iter().any(|d| covers(d))
        || layer.tree.replaces(path)
}
