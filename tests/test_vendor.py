"""The AsyncAPI docs' renderer that bakes serve themselves is what
``scripts/vendor_asyncapi.py`` pinned: every file it writes, nothing else, each
hash in the settings that of the file beside it (checked offline: the script's
download is the maintainer's step, as ``lock_bakes.py``'s is)."""

from __future__ import annotations

import sys

import pytest
from bakery import TEMPLATE_DIR

sys.path.insert(0, str(TEMPLATE_DIR / "scripts"))
from vendor_asyncapi import FILES, PACKAGE, PINNED, SETTINGS, TARGET, VERSION, pin, sri


def test_the_vendored_files_are_the_pinned_ones() -> None:
    settings = SETTINGS.read_text()

    assert sorted(path.name for path in TARGET.iterdir()) == sorted(FILES.values())
    for name, key in PINNED.items():
        assert f'"{key}": "{sri("sha384", (TARGET / name).read_bytes())}"' in settings
    assert f"{PACKAGE} {VERSION}" in settings


def test_pinning_replaces_one_setting_and_refuses_a_missing_one() -> None:
    settings = '"A_INTEGRITY": "sha384-old",\n"B_INTEGRITY": "sha384-kept",\n'

    assert pin(settings, "A_INTEGRITY", "sha384-new") == settings.replace("old", "new")
    with pytest.raises(SystemExit, match="no C_INTEGRITY"):
        pin(settings, "C_INTEGRITY", "sha384-new")
