from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "examples" / "policies"
SEED_FILES = {
    "virtual-petals": POLICIES / "virtual-petals.yaml",
    "megazone-cloudplex": POLICIES / "megazone-cloudplex.yaml",
    "lgcns-optapex": POLICIES / "lgcns-optapex.yaml",
    "sogaworks": POLICIES / "sogaworks.yaml",
    "utracs": POLICIES / "utracs.yaml",
}


@pytest.fixture
def megazone_path() -> Path:
    return SEED_FILES["megazone-cloudplex"]
