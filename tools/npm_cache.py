"""npm packages for the site builders (build_site.py, build_lite.py): each tarball is
downloaded once from the npm registry, its sha512 integrity checked against the pinned
value, and its package/ folder cached in .cache/npm/. Nothing comes from a CDN."""
from __future__ import annotations

import base64
import hashlib
import io
import shutil
import tarfile
import urllib.request
from pathlib import Path


def integrity(data: bytes) -> str:
    """npm's integrity string for a tarball: ``sha512-<base64>``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_package(name: str, version: str, url: str, expected: str, cache: Path, log=print) -> Path:
    """The package/ folder of an npm tarball, downloaded and verified once, cached."""
    target = cache / "npm" / f"{name.replace('/', '+')}-{version}"
    if (target / "package.json").is_file():
        return target
    log(f"fetching {name}@{version} from the npm registry")
    with urllib.request.urlopen(url, timeout=300) as response:
        data = response.read()
    if integrity(data) != expected:
        raise SystemExit(f"{url}: integrity check failed; refusing to use it")
    tmp = target.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith("package/") and ".." not in member.name:
                dest = tmp / member.name[len("package/"):]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(tar.extractfile(member).read())
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target
