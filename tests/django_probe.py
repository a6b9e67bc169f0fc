"""Run a bake's Django checks in one process and print a JSON report.

Run with the bake's Python from the bake's directory. Django starts once for
all of them, which keeps the matrix fast; each meta test reads its part.
"""

import io
import json
import os
import sys
from typing import Any

sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402


def command(*args: str, **options: Any) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err, **options)
    except SystemExit as exit:
        return {"ok": exit.code in (0, None), "output": out.getvalue() + err.getvalue()}
    except Exception as error:  # reported to the meta test, which fails on it
        return {"ok": False, "output": f"{out.getvalue()}{err.getvalue()}{error!r}"}
    return {"ok": True, "output": out.getvalue() + err.getvalue()}


landing = Client(HTTP_HOST="localhost").get("/")
report = {
    "check": command("check", fail_level="WARNING"),
    "makemigrations": command("makemigrations", check=True, dry_run=True),
    "schema": command("generate_asyncapi_schema", format="json"),
    "landing": {"status": landing.status_code, "html": landing.content.decode()},
}
print(json.dumps(report))
