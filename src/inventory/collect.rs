//! Runs the analyzers over the stacked layers: finds each package database's
//! final version, parses it, and works out which layer introduced each
//! package by looking at the database's earlier versions.

use super::os::{self, Os};
use super::{purl, Package, PackageAnalyzer, PackageFormat, Want, ANALYZERS};
use crate::image::view::Located;
use crate::image::{FileView, LayerScan};
use std::collections::{BTreeSet, HashSet};

/// Everything found in an image or tree.
#[derive(Debug)]
pub struct Inventory {
    pub os: Option<Os>,
    pub package_dbs: Vec<PackageDbReport>,
}

/// The packages of one package database (or one directory of them, such
/// as distroless `status.d/`).
#[derive(Debug)]
pub struct PackageDbReport {
    pub format: PackageFormat,
    /// Where the database is, relative to the root (`var/lib/dpkg/status`).
    pub path: String,
    /// Sorted by name, then version.
    pub packages: Vec<FoundPackage>,
}

/// A package and where it came from.
#[derive(Debug)]
pub struct FoundPackage {
    pub package: Package,
    pub purl: String,
    /// Index of the layer that introduced this version of the package.
    pub layer: usize,
}

/// Inventories the stacked layers (lowest first).
pub fn inventory(layers: &[LayerScan]) -> Inventory {
    let view = FileView::stack(layers);
    let content = |loc: &Located| layers.get(loc.layer).and_then(|l| l.files.get(&loc.path));
    let os = os::detect(&|path: &str| view.resolve(path).and_then(|loc| content(&loc).cloned()));
    let mut package_dbs = Vec::new();
    for analyzer in ANALYZERS {
        for (db_path, files) in databases(&view, *analyzer) {
            let mut packages = Vec::new();
            for file in files {
                let Some(bytes) = content(&file) else {
                    continue;
                };
                match analyzer.parse(&file.path, bytes) {
                    Ok(found) => {
                        let origins = origin_layers(*analyzer, layers, &file, &found);
                        packages.extend(found.into_iter().zip(origins).map(|(package, layer)| {
                            FoundPackage {
                                purl: purl::for_os_package(
                                    analyzer.format(),
                                    os.as_ref(),
                                    &package,
                                ),
                                package,
                                layer,
                            }
                        }));
                    }
                    Err(e) => tracing::warn!("skipping package database {e}"),
                }
            }
            if packages.is_empty() {
                continue;
            }
            packages.sort_by(|a, b| {
                (&a.package.name, &a.package.version).cmp(&(&b.package.name, &b.package.version))
            });
            package_dbs.push(PackageDbReport {
                format: analyzer.format(),
                path: db_path,
                packages,
            });
        }
    }
    package_dbs.sort_by(|a, b| a.path.cmp(&b.path));
    Inventory { os, package_dbs }
}

/// The databases an analyzer finds in the view, each with its files. A
/// file reached through two wanted paths (a symlinked directory) counts once,
/// under its real path, so a report names the same database whichever link
/// the image has.
fn databases(view: &FileView, analyzer: &dyn PackageAnalyzer) -> Vec<(String, Vec<Located>)> {
    let mut seen = BTreeSet::new();
    let mut dbs = Vec::new();
    for want in analyzer.wants() {
        let (name, found) = match want {
            Want::File(path) => match view.resolve(path) {
                Some(located) => (located.path.clone(), vec![located]),
                None => continue,
            },
            Want::DirEntries(dir) => (dir.to_string(), view.files_matching(|p| want.matches(p))),
        };
        let fresh: Vec<Located> = found
            .into_iter()
            .filter(|l| seen.insert(l.path.clone()))
            .collect();
        if !fresh.is_empty() {
            dbs.push((name, fresh));
        }
    }
    dbs
}

/// For each package of the final database version, the lowest layer from
/// which that same install has been present without a break. Walks the
/// database's earlier versions downwards, stopping where a layer deleted
/// or replaced the file. Linear in the packages per layer: a hostile image
/// with the same huge database in many layers must not cost their product.
fn origin_layers(
    analyzer: &dyn PackageAnalyzer,
    layers: &[LayerScan],
    file: &Located,
    packages: &[Package],
) -> Vec<usize> {
    let mut origin = vec![file.layer; packages.len()];
    let mut open: Vec<usize> = (0..packages.len()).collect();
    for lower in (0..file.layer).rev() {
        if open.is_empty() || hides(&layers[lower + 1], &file.path) {
            break;
        }
        let Some(bytes) = layers[lower].files.get(&file.path) else {
            continue;
        };
        let Ok(older) = analyzer.parse(&file.path, bytes) else {
            break;
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
    layer.whiteouts.iter().any(|w| covers(w))
        || layer.opaque_dirs.iter().any(|d| covers(d))
        || layer.replaces(path)
}
