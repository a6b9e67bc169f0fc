"""Refresh the AsyncAPI docs page's renderer that every bake serves itself:
``uv run python scripts/vendor_asyncapi.py [--version X.Y.Z]``.

The page (``/asyncapi/docs/``) needs one script and one stylesheet of the npm
package ``@asyncapi/react-component``. Like the locks, they are fetched here, in
the template, never at bake time: the package's tarball comes from the npm
registry, is checked against the registry's sha512, and the two files (with the
package's licence texts) are written into the template's ``core/static/asyncapi/``.
Their SRI hashes and the version are then written into the CHANX settings of
``config/settings/base.py``, so a browser refuses any other file.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import tarfile
import urllib.request
from pathlib import Path

PACKAGE = "@asyncapi/react-component"
VERSION = "3.2.1"
REGISTRY = "https://registry.npmjs.org"
PROJECT = Path(__file__).resolve().parent.parent / "{{cookiecutter.project_slug}}"
TARGET = PROJECT / "core" / "static" / "asyncapi"
SETTINGS = PROJECT / "config" / "settings" / "base.py"
# In the tarball -> in TARGET.
FILES = {
    "package/browser/standalone/index.js": "index.js",
    "package/styles/default.min.css": "default.min.css",
    "package/browser/standalone/index.js.LICENSE.txt": "index.js.LICENSE.txt",
    "package/LICENSE": "LICENSE",
}
# The CHANX setting that holds a file's SRI hash.
PINNED = {
    "index.js": "ASYNCAPI_DOCS_JS_INTEGRITY",
    "default.min.css": "ASYNCAPI_DOCS_CSS_INTEGRITY",
}


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return bytes(response.read())


def sri(algorithm: str, content: bytes) -> str:
    digest = hashlib.new(algorithm, content).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def fetch_files(version: str) -> dict[str, bytes]:
    """The package's files named in FILES, from its registry-checked tarball."""
    metadata = json.loads(download(f"{REGISTRY}/{PACKAGE}/{version}"))
    tarball = download(metadata["dist"]["tarball"])
    if sri("sha512", tarball) != metadata["dist"]["integrity"]:
        raise SystemExit(f"{PACKAGE} {version}: the tarball fails its sha512 check")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in FILES:
            extracted = archive.extractfile(member)
            if extracted is None:
                raise SystemExit(f"{PACKAGE} {version} has no file {member}")
            files[member] = extracted.read()
    return files


def pin(settings: str, key: str, value: str) -> str:
    """``settings`` with the string value of CHANX's ``key`` replaced."""
    pattern = re.compile(rf'("{key}": )"[^"]*"')
    if not pattern.search(settings):
        raise SystemExit(f"{SETTINGS} has no {key} to pin")
    return pattern.sub(lambda found: f'{found[1]}"{value}"', settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=VERSION, help=f"default {VERSION}")
    version = parser.parse_args().version
    files = fetch_files(version)
    TARGET.mkdir(parents=True, exist_ok=True)
    settings = SETTINGS.read_text()
    for member, name in FILES.items():
        (TARGET / name).write_bytes(files[member])
        if name in PINNED:
            settings = pin(settings, PINNED[name], sri("sha384", files[member]))
    settings = re.sub(
        rf"({re.escape(PACKAGE)} )[0-9][^ )]*", rf"\g<1>{version}", settings
    )
    SETTINGS.write_text(settings)
    print(f"{PACKAGE} {version} -> {TARGET.relative_to(PROJECT.parent)}")


if __name__ == "__main__":
    main()
