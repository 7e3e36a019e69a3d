"""Shared test set-up: headless Qt, the project root importable, the Argon2id floor.

``HIMAYA_KDF=minimum`` makes new key wraps use the floor of SECURITY.md (64 MiB, 3 passes,
4 lanes) instead of the tuned default, so the many unlocks of the suite stay quick; the
floor is still enforced, and a storage test checks the default parameters separately.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HIMAYA_KDF"] = "minimum"
for _name in ("HIMAYA_PASSPHRASE", "HIMAYA_NEW_PASSPHRASE", "HIMAYA_USER", "HIMAYA_STORE", "HIMAYA_LANG"):
    os.environ.pop(_name, None)

# Make the project root importable however pytest is started.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001 - pytest hook
    """Tests marked ``slow`` are long variants of tests that also run in a short form: they
    run only when asked for (``./dev test -m slow``), so the default suite stays fast."""
    if "slow" in (config.getoption("-m") or ""):
        return
    import pytest

    skip = pytest.mark.skip(reason="long variant: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

