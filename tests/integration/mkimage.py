#!/usr/bin/env python3
"""Makes the OCI image layouts the image tests pull (tests/integration/images.sh).

Usage: mkimage.py KIND LAYOUT [--rootfs DIR] [--compress gzip|zstd|none] [--tag TAG] [--big MIB]
                  [--label KEY=VALUE]... [--root-tar TAR]

KIND:
  multi        the busybox root (--rootfs) and two layers above it: owners,
               modes, setuid, hard and symbolic links, a user.* xattr, a
               whiteout, an opaque directory; a config with Entrypoint, Cmd,
               Env, WorkingDir, User, ExposedPorts, StopSignal
  dotdot       a layer entry "../../escaped"
  abs-symlink  a symlink etc -> /tmp, then etc/escaped through it
  hardlink-out a hard link to /etc/passwd, which the layer does not have
  bad-digest   a layer whose bytes are not those of its digest
  truncated    a layer blob cut short (its descriptor says the whole size)
  huge         a layer whose descriptor says 1 TiB
  multiarch    an image index of two images: arm64 (its Cmd prints "arm64")
               listed first, then this machine's (its Cmd prints its arch)
  debian       the tar of a Debian root (--root-tar: tests/setup.sh makes one
               with debootstrap) as it is, and a layer of changes over it:
               whiteouts of a file and a directory, an opaque directory, a
               file replaced, a setuid file, a user.* xattr
Each hostile kind has the busybox root as its lowest layer, so that only
the trick itself is wrong. --big adds a file of MIB random MiB to multi's
top layer (for pulls cut short); --label adds to multi's Labels."""
import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import subprocess
import tarfile

ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(platform.machine(), platform.machine())


class Layer:
    def __init__(self):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode='w', format=tarfile.PAX_FORMAT)

    def add(self, name, kind=tarfile.REGTYPE, data=b'', mode=0o644, uid=0, gid=0, link='', xattrs=None,
            devmajor=0, devminor=0):
        ti = tarfile.TarInfo(name)
        ti.type = kind
        ti.mode = mode
        ti.uid, ti.gid = uid, gid
        ti.mtime = 1700000000
        ti.linkname = link
        ti.devmajor, ti.devminor = devmajor, devminor
        if xattrs:
            ti.pax_headers = {'SCHILY.xattr.' + k: v for k, v in xattrs.items()}
        if kind == tarfile.REGTYPE:
            ti.size = len(data)
            self.tar.addfile(ti, io.BytesIO(data))
        else:
            self.tar.addfile(ti)

    def add_tree(self, root):
        self.tar.add(root, arcname='.', filter=lambda ti: (setattr(ti, 'uid', 0), setattr(ti, 'gid', 0),
                                                           setattr(ti, 'uname', ''), setattr(ti, 'gname', ''))[-1] or ti)

    def bytes(self):
        self.tar.close()
        return self.buf.getvalue()


def compress(data, how):
    if how == 'gzip':
        return gzip.compress(data, mtime=0), 'application/vnd.oci.image.layer.v1.tar+gzip'
    if how == 'zstd':
        out = subprocess.run(['zstd', '-q', '-c'], input=data, stdout=subprocess.PIPE, check=True).stdout
        return out, 'application/vnd.oci.image.layer.v1.tar+zstd'
    return data, 'application/vnd.oci.image.layer.v1.tar'


def blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, 'blobs', 'sha256', digest), 'wb') as f:
        f.write(data)
    return 'sha256:' + digest


def base_layer(rootfs):
    layer = Layer()
    layer.add_tree(rootfs)
    return layer.bytes()


def multi_layers(big):
    two = Layer()
    two.add('data', tarfile.DIRTYPE, mode=0o755)
    two.add('data/file', data=b'first\n', mode=0o640, uid=1000, gid=1000)
    two.add('data/hard', tarfile.LNKTYPE, link='data/file', mode=0o640, uid=1000, gid=1000)
    two.add('data/link', tarfile.SYMTYPE, link='file', mode=0o777)
    two.add('data/setuid', data=b'#!/bin/sh\necho hi\n', mode=0o4755)
    two.add('data/xattr', data=b'x\n', mode=0o644, xattrs={'user.test': 'hello'})
    two.add('data/gone', data=b'soon gone\n')
    two.add('opaque', tarfile.DIRTYPE, mode=0o755)
    two.add('opaque/a', data=b'a\n')
    two.add('opaque/b', data=b'b\n')
    three = Layer()
    three.add('data', tarfile.DIRTYPE, mode=0o755)
    three.add('data/.wh.gone')
    three.add('data/new', data=b'second\n', mode=0o600, uid=1000, gid=1000)
    three.add('opaque', tarfile.DIRTYPE, mode=0o755)
    three.add('opaque/.wh..wh..opq')
    three.add('opaque/c', data=b'c\n')
    if big:
        three.add('data/big', data=os.urandom(big * 1024 * 1024))
    return [two.bytes(), three.bytes()]


def debian_layer():
    """Changes over a Debian root: a whiteout of a file and of a directory,
    an opaque directory, a file replaced with another owner, a setuid one."""
    layer = Layer()
    layer.add('etc', tarfile.DIRTYPE, mode=0o755)
    layer.add('etc/.wh.motd')
    layer.add('etc/issue', data=b'uctr test image\n', mode=0o640, uid=1000, gid=1000)
    layer.add('etc/apt', tarfile.DIRTYPE, mode=0o755)
    layer.add('etc/apt/apt.conf.d', tarfile.DIRTYPE, mode=0o755)
    layer.add('etc/apt/apt.conf.d/.wh..wh..opq')
    layer.add('etc/apt/apt.conf.d/99only', data=b'APT::Install-Recommends "false";\n')
    layer.add('usr', tarfile.DIRTYPE, mode=0o755)
    layer.add('usr/share', tarfile.DIRTYPE, mode=0o755)
    layer.add('usr/share/.wh.doc')
    layer.add('usr/local', tarfile.DIRTYPE, mode=0o755)
    layer.add('usr/local/bin', tarfile.DIRTYPE, mode=0o755)
    layer.add('usr/local/bin/suid', data=b'#!/bin/sh\nid -u\n', mode=0o4755)
    layer.add('usr/local/bin/xattr', data=b'x\n', mode=0o644, xattrs={'user.test': 'hello'})
    return layer.bytes()


def write_layout(layout, layers, config_extra, compression, tag, tamper=None):
    os.makedirs(os.path.join(layout, 'blobs', 'sha256'), exist_ok=True)
    descriptors, diff_ids = [], []
    for i, tar in enumerate(layers):
        data, media_type = compress(tar, compression)
        diff_ids.append('sha256:' + hashlib.sha256(tar).hexdigest())
        d = {'mediaType': media_type, 'digest': blob(layout, data), 'size': len(data)}
        if tamper and i == len(layers) - 1:
            tamper(layout, d)
        descriptors.append(d)
    config = {'architecture': ARCH, 'os': 'linux', 'created': '2026-12-01T00:00:00Z',
              'config': config_extra, 'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}
    config_data = json.dumps(config).encode()
    manifest = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                           'digest': blob(layout, config_data), 'size': len(config_data)},
                'layers': descriptors}
    manifest_data = json.dumps(manifest).encode()
    with open(os.path.join(layout, 'index.json'), 'w') as f:
        json.dump({'schemaVersion': 2, 'manifests': [
            {'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': blob(layout, manifest_data),
             'size': len(manifest_data), 'annotations': {'org.opencontainers.image.ref.name': tag}}]}, f)
    with open(os.path.join(layout, 'oci-layout'), 'w') as f:
        json.dump({'imageLayoutVersion': '1.0.0'}, f)


def blob_path(layout, d):
    return os.path.join(layout, 'blobs', 'sha256', d['digest'].split(':')[1])


def tamper_bytes(layout, d):
    path = blob_path(layout, d)
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0xff
    with open(path, 'wb') as f:
        f.write(data)


def tamper_truncate(layout, d):
    path = blob_path(layout, d)
    os.truncate(path, os.path.getsize(path) // 2)


def tamper_huge(layout, d):
    d['size'] = 1 << 40


def hostile_layer(kind):
    layer = Layer()
    if kind == 'dotdot':
        layer.add('../../escaped', data=b'out\n')
    elif kind == 'abs-symlink':
        layer.add('etc', tarfile.SYMTYPE, link='/tmp', mode=0o777)
        layer.add('etc/escaped', data=b'out\n')
    elif kind == 'hardlink-out':
        layer.add('passwd-link', tarfile.LNKTYPE, link='/etc/passwd')
    else:
        layer.add('harmless', data=b'x' * 65536)
    return layer.bytes()


def write_index(layout, tag, rootfs):
    """Two platforms' images under one index: only this machine's runs here."""
    os.makedirs(os.path.join(layout, 'blobs', 'sha256'), exist_ok=True)
    tar = base_layer(rootfs)
    data, media_type = compress(tar, 'gzip')
    layer = {'mediaType': media_type, 'digest': blob(layout, data), 'size': len(data)}
    entries = []
    for arch in ('arm64', ARCH):
        config = json.dumps({'architecture': arch, 'os': 'linux',
                             'config': {'Cmd': ['echo', arch]},
                             'rootfs': {'type': 'layers',
                                        'diff_ids': ['sha256:' + hashlib.sha256(tar).hexdigest()]}}).encode()
        manifest = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                               'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                                          'digest': blob(layout, config), 'size': len(config)},
                               'layers': [layer]}).encode()
        entries.append({'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                        'digest': blob(layout, manifest), 'size': len(manifest),
                        'platform': {'architecture': arch, 'os': 'linux'}})
    index = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                        'manifests': entries}).encode()
    with open(os.path.join(layout, 'index.json'), 'w') as f:
        json.dump({'schemaVersion': 2, 'manifests': [
            {'mediaType': 'application/vnd.oci.image.index.v1+json', 'digest': blob(layout, index),
             'size': len(index), 'annotations': {'org.opencontainers.image.ref.name': tag}}]}, f)
    with open(os.path.join(layout, 'oci-layout'), 'w') as f:
        json.dump({'imageLayoutVersion': '1.0.0'}, f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('kind')
    p.add_argument('layout')
    p.add_argument('--rootfs', required=True)
    p.add_argument('--compress', default='gzip')
    p.add_argument('--tag', default='latest')
    p.add_argument('--big', type=int, default=0)
    p.add_argument('--label', action='append', default=[], metavar='KEY=VALUE')
    p.add_argument('--root-tar')
    a = p.parse_args()
    if a.kind == 'multiarch':
        write_index(a.layout, a.tag, a.rootfs)
        return
    if a.kind == 'debian':
        if not a.root_tar:
            p.error('debian needs --root-tar')
        with open(a.root_tar, 'rb') as f:
            layers = [f.read(), debian_layer()]
        write_layout(a.layout, layers, {'Cmd': ['/bin/bash'],
                                        'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']},
                     a.compress, a.tag)
        return
    layers = [base_layer(a.rootfs)]
    if a.kind == 'multi':
        layers += multi_layers(a.big)
        config = {'Entrypoint': ['/bin/sh', '-c'], 'Cmd': ['echo default: $GREETING'],
                  'Env': ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=from-the-image'],
                  'WorkingDir': '/data', 'User': 'user', 'ExposedPorts': {'80/tcp': {}},
                  'StopSignal': 'SIGINT', 'Labels': {'test': 'yes'}, 'Volumes': {'/opaque': {}}}
        config['Labels'].update(label.split('=', 1) for label in a.label)
        write_layout(a.layout, layers, config, a.compress, a.tag)
        return
    if a.kind == 'dup':
        # One layer listed twice, a layer between that removes what it made.
        twice = Layer()
        twice.add('data', tarfile.DIRTYPE, mode=0o755)
        twice.add('data/twice', data=b'twice\n')
        between = Layer()
        between.add('data', tarfile.DIRTYPE, mode=0o755)
        between.add('data/.wh.twice')
        between.add('data/between', data=b'between\n')
        layers += [twice.bytes(), between.bytes(), twice.bytes()]
        write_layout(a.layout, layers, {'Cmd': ['/bin/sh']}, a.compress, a.tag)
        return
    tamper = {'bad-digest': tamper_bytes, 'truncated': tamper_truncate, 'huge': tamper_huge}.get(a.kind)
    if tamper is None and a.kind not in ('dotdot', 'abs-symlink', 'hardlink-out'):
        p.error('unknown kind ' + a.kind)
    if a.big:
        # A large layer beside the hostile one: on the way when it is refused.
        big = Layer()
        big.add('big', data=os.urandom(a.big * 1024 * 1024))
        layers.append(big.bytes())
    layers.append(hostile_layer(a.kind))
    write_layout(a.layout, layers, {'Cmd': ['/bin/sh']}, a.compress, a.tag, tamper)


if __name__ == '__main__':
    main()
