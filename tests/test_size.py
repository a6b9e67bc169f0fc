"""The size budget: a bake a team can read in an afternoon.

``scripts/count_lines.py`` prints the same figures for every subset.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bakery import TEMPLATE_DIR, Subset

sys.path.insert(0, str(TEMPLATE_DIR / "scripts"))
from count_lines import apps_of, count_lines, over_budget


def test_bake_keeps_to_its_line_budget(project: Path, subset: Subset) -> None:
    assert apps_of(project) == subset.apps

    assert over_budget(count_lines(project), subset.apps) == []
