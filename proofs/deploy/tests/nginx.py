"""Debian's nginx, run on loopback with the project's own ``deploy/nginx.conf``.

The shipped file goes in an ``http`` block as the nginx image has it; only the
names that differ outside Compose change: the web processes' addresses, the
listening ports, and where the certificate and the static files are. Each must
be found exactly as expected, so a change to the shipped file that this does
not follow fails loudly. The meta suite imports this module too (no Django).
"""

import shutil
import subprocess
from pathlib import Path

SITE_NAMES = ("server web-1:8000", "server web-2:8000", "listen 80;", "listen 443 ssl;")


def site_config(
    shipped: str,
    upstreams: list[int],
    http_port: int,
    https_port: int,
    certs: Path,
    static: Path,
) -> str:
    """``deploy/nginx.conf`` pointed at loopback ports and local folders."""
    for name in (*SITE_NAMES, "/etc/nginx/certs/", "alias /srv/static/;"):
        assert name in shipped, f"deploy/nginx.conf no longer has {name!r}"
    first, second = upstreams
    replacements = {
        "server web-1:8000": f"server 127.0.0.1:{first}",
        "server web-2:8000": f"server 127.0.0.1:{second}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "/etc/nginx/certs/": f"{certs}/",
        "alias /srv/static/;": f"alias {static}/;",
    }
    for old, new in replacements.items():
        shipped = shipped.replace(old, new)
    return shipped


def write_config(folder: Path, site: str) -> Path:
    """An nginx.conf for ``folder`` that includes ``site`` in its http block."""
    for temporary in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temporary).mkdir(exist_ok=True)
        (folder / temporary).chmod(0o777)  # nginx's workers run as nobody
    (folder / "site.conf").write_text(site)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {folder / directory};"
        for kind, directory in [
            ("client_body", "body"),
            ("proxy", "proxy"),
            ("fastcgi", "fastcgi"),
            ("uwsgi", "uwsgi"),
            ("scgi", "scgi"),
        ]
    )
    config = folder / "nginx.conf"
    config.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\n"
        "events { worker_connections 1024; }\n"
        "http {\n    include /etc/nginx/mime.types;\n"
        f"    access_log {folder / 'access.log'};\n{temp_paths}\n"
        f"    include {folder / 'site.conf'};\n}}\n"
    )
    return config


def nginx_command(config: Path, *options: str) -> list[str]:
    program = shutil.which("nginx") or "/usr/sbin/nginx"
    folder = config.parent
    return [
        program,
        "-p",
        str(folder),
        "-c",
        str(config),
        "-e",
        str(folder / "error.log"),
        *options,
    ]


def self_signed_certificate(certs: Path) -> None:
    """A certificate for ``localhost``, as docs/deployment.md makes one to try."""
    certs.mkdir(exist_ok=True)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(certs / "privkey.pem"),
            "-out",
            str(certs / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
