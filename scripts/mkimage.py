#!/usr/bin/env python3
"""Build test container images from plain tar layers, without Docker.

Subcommands:

  diff OLD_ROOT NEW_ROOT OUT.tar
      Writes the layer that turns OLD_ROOT into NEW_ROOT: every added or
      changed entry (with its parent directories), and an AUFS/OCI whiteout
      (`.wh.NAME`) for every deleted one. Numeric owners, sorted names.

  build [--out-docker FILE] [--out-oci DIR] [--tag TAG] LAYER...
      LAYER is `[gz:]PATH` where PATH is an uncompressed layer tar. Writes a
      docker-archive (legacy `docker save` layout: `<id>/layer.tar`,
      `<config>.json`, `manifest.json`, `repositories`) and/or an OCI image
      layout directory (blobs hardlinked where possible). `gz:` stores that
      layer gzip-compressed (its diff ID is still the digest of the
      uncompressed tar).

Prints the image's diff IDs, one a line, on stdout.
"""

import argparse
import filecmp
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile

CHUNK = 4 << 20


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


# ---------------------------------------------------------------- diff layer


def _walk(root):
    """Relative path -> lstat of every entry below root (root excluded)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root)] = os.lstat(full)
    return out


def _same(old_root, new_root, rel, a, b):
    if stat.S_IFMT(a.st_mode) != stat.S_IFMT(b.st_mode):
        return False
    if (a.st_mode, a.st_uid, a.st_gid) != (b.st_mode, b.st_uid, b.st_gid):
        return False
    if stat.S_ISDIR(a.st_mode):
        return True  # contents are compared entry by entry
    if stat.S_ISLNK(a.st_mode):
        return os.readlink(os.path.join(old_root, rel)) == os.readlink(
            os.path.join(new_root, rel)
        )
    if stat.S_ISREG(a.st_mode):
        if a.st_size != b.st_size:
            return False
        return filecmp.cmp(
            os.path.join(old_root, rel), os.path.join(new_root, rel), shallow=False
        )
    if stat.S_ISCHR(a.st_mode) or stat.S_ISBLK(a.st_mode):
        return a.st_rdev == b.st_rdev
    return True


def _numeric(ti):
    ti.uname = ""
    ti.gname = ""
    return ti


def cmd_diff(args):
    old = _walk(args.old)
    new = _walk(args.new)
    changed = sorted(
        rel
        for rel, st in new.items()
        if rel not in old or not _same(args.old, args.new, rel, old[rel], st)
    )
    deleted = sorted(rel for rel in old if rel not in new)
    # Only the topmost deleted path needs a whiteout.
    deleted_set = set(deleted)
    deleted = [
        rel for rel in deleted if os.path.dirname(rel) not in deleted_set
    ]
    # Parent directories of anything written must be in the layer too.
    entries = set(changed)
    for rel in list(changed) + deleted:
        parent = os.path.dirname(rel)
        while parent:
            entries.add(parent)
            parent = os.path.dirname(parent)
    whiteouts = {}
    for rel in deleted:
        d, n = os.path.split(rel)
        whiteouts[os.path.join(d, ".wh." + n)] = rel
    with tarfile.open(args.out, "w", format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(set(entries) | set(whiteouts)):
            if rel in whiteouts:
                ti = tarfile.TarInfo(rel)
                ti.mtime = 0
                tar.addfile(ti)
                continue
            full = os.path.join(args.new, rel)
            ti = tar.gettarinfo(full, arcname=rel)
            if ti is None:
                continue
            _numeric(ti)
            if ti.isreg():
                with open(full, "rb") as f:
                    tar.addfile(ti, f)
            else:
                tar.addfile(ti)
    print(
        f"diff layer {args.out}: {len(changed)} added/changed, "
        f"{len(deleted)} deleted (whiteouts)",
        file=sys.stderr,
    )


# ---------------------------------------------------------------- images


def _gzip_to(src, dst):
    if shutil.which("pigz"):
        with open(dst, "wb") as out:
            subprocess.run(["pigz", "-1", "-n", "-c", src], stdout=out, check=True)
    else:
        with open(src, "rb") as i, gzip.open(dst, "wb", compresslevel=1, mtime=0) as o:
            shutil.copyfileobj(i, o, CHUNK)


def _link_or_copy(src, dst):
    if os.path.exists(dst):
        os.unlink(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _write_docker_archive(args, layers, config_bytes, config_hex, repo, tag):
    """docker-archive in the legacy `docker save` layout."""
    tmp = args.out_docker + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        def add_bytes(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 0
            tar.addfile(ti, io.BytesIO(data))

        layer_names = []
        for i, (blob, diff_id, digest, gz, _, size) in enumerate(layers):
            # Layer directory named by a chain-ish id; unique per position.
            lid = hashlib.sha256(f"{i}:{diff_id}".encode()).hexdigest()
            d = tarfile.TarInfo(lid)
            d.type = tarfile.DIRTYPE
            d.mode = 0o755
            tar.addfile(d)
            name = f"{lid}/layer.tar"
            ti = tarfile.TarInfo(name)
            ti.size = size
            ti.mtime = 0
            with open(blob, "rb") as f:
                tar.addfile(ti, f)
            add_bytes(f"{lid}/VERSION", b"1.0")
            layer_names.append(name)
        add_bytes(config_hex + ".json", config_bytes)
        manifest = [{"Config": config_hex + ".json", "RepoTags": [args.tag], "Layers": layer_names}]
        add_bytes("manifest.json", json.dumps(manifest).encode())
        top = layer_names[-1].split("/")[0]
        add_bytes("repositories", json.dumps({repo: {tag: top}}).encode())
    os.replace(tmp, args.out_docker)


def cmd_build(args):
    if not args.out_docker and not args.out_oci:
        sys.exit("build: give --out-docker and/or --out-oci")
    work = (args.out_docker or args.out_oci.rstrip("/")) + ".parts"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    layers = []  # (blob path, diff_id hex, blob digest hex, gzip?, created_by, size)
    for spec in args.layers:
        gz = spec.startswith("gz:")
        path = spec[3:] if gz else spec
        created_by = f"#(nop) ADD {os.path.basename(path)}" + (" (gzip)" if gz else "")
        diff_id = sha256_file(path)
        if gz:
            blob = os.path.join(work, diff_id + ".tar.gz")
            _gzip_to(path, blob)
            digest = sha256_file(blob)
        else:
            blob = path
            digest = diff_id
        layers.append((blob, diff_id, digest, gz, created_by, os.path.getsize(blob)))

    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + l[1] for l in layers]},
        "history": [
            {"created": "2024-01-01T00:00:00Z", "created_by": l[4] or f"layer {i}"}
            for i, l in enumerate(layers)
        ],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_hex = hashlib.sha256(config_bytes).hexdigest()
    repo, _, tag = args.tag.rpartition(":")

    if args.out_docker:
        _write_docker_archive(args, layers, config_bytes, config_hex, repo, tag)

    # OCI image layout
    if args.out_oci:
        shutil.rmtree(args.out_oci, ignore_errors=True)
        blobs = os.path.join(args.out_oci, "blobs", "sha256")
        os.makedirs(blobs)

        def put_bytes(data):
            h = hashlib.sha256(data).hexdigest()
            with open(os.path.join(blobs, h), "wb") as f:
                f.write(data)
            return h

        for blob, _, digest, _, _, _ in layers:
            _link_or_copy(blob, os.path.join(blobs, digest))
        cfg = put_bytes(config_bytes)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + cfg,
                "size": len(config_bytes),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gz else ""),
                    "digest": "sha256:" + digest,
                    "size": size,
                }
                for _, _, digest, gz, _, size in layers
            ],
        }
        mb = json.dumps(manifest).encode()
        mh = put_bytes(mb)
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + mh,
                    "size": len(mb),
                    "annotations": {"org.opencontainers.image.ref.name": tag},
                }
            ],
        }
        with open(os.path.join(args.out_oci, "index.json"), "w") as f:
            json.dump(index, f)
        with open(os.path.join(args.out_oci, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    shutil.rmtree(work, ignore_errors=True)
    for l in layers:
        print("sha256:" + l[1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("diff")
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("out")
    b = sub.add_parser("build")
    b.add_argument("--out-docker")
    b.add_argument("--out-oci")
    b.add_argument("--tag", default="scangate-test/image:latest")
    b.add_argument("layers", nargs="+")
    args = p.parse_args()
    {"diff": cmd_diff, "build": cmd_build}[args.cmd](args)


if __name__ == "__main__":
    main()
