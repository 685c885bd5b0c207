#!/usr/bin/env python3
"""Usage: oci-image.py ROOTFS OUT.tar NAME

Writes an OCI image layout, as a tar that `ctr image import` and
`podman load` take, with ROOTFS as its one layer and NAME (such as
localhost/uctr-busybox:latest) as its reference. No registry, no
download: the engines tests make their image from the test rootfs."""
import hashlib
import io
import json
import os
import sys
import tarfile


def blob(out, data, media_type):
    digest = hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest)
    info.size = len(data)
    info.mode = 0o644
    out.addfile(info, io.BytesIO(data))
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}


def layer_of(rootfs):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, name), arcname=name)
    return buf.getvalue()


def main():
    rootfs, out_path, name = sys.argv[1:4]
    layer = layer_of(rootfs)
    with tarfile.open(out_path, "w") as out:
        layer_desc = blob(out, layer, "application/vnd.oci.image.layer.v1.tar")
        config = {
            "architecture": "amd64" if os.uname().machine == "x86_64" else os.uname().machine,
            "os": "linux",
            "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
        }
        config_desc = blob(out, json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": config_desc, "layers": [layer_desc]}
        manifest_desc = blob(out, json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
        manifest_desc["annotations"] = {"org.opencontainers.image.ref.name": name,
                                        "io.containerd.image.name": name}
        for fname, content in (("oci-layout", {"imageLayoutVersion": "1.0.0"}),
                               ("index.json", {"schemaVersion": 2, "manifests": [manifest_desc]})):
            data = json.dumps(content).encode()
            info = tarfile.TarInfo(fname)
            info.size = len(data)
            info.mode = 0o644
            out.addfile(info, io.BytesIO(data))


main()
