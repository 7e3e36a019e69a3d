"""The version of Himaya and, in an installed bundle, when and from what it was built.

One source for the version: ``pyproject.toml``. From source it is read there (or from the
installed package's metadata); ``build_installer.py`` writes it with the build date and
the commit into ``build-info.json`` at the top of the bundle, which is read here when
frozen. The store's schema version belongs to ``storage`` and is added by the front ends.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from app.resources import bundle_dir

BUILD_INFO_NAME = "build-info.json"
UNKNOWN = "0+unknown"


@dataclass(frozen=True)
class BuildInfo:
    version: str
    built_at: str | None = None  # ISO 8601 UTC, only in a bundle
    commit: str | None = None  # the source commit a bundle was built from ("+dirty" if edited)

    @property
    def frozen(self) -> bool:
        return self.built_at is not None


def _from_bundle(folder: Path) -> BuildInfo | None:
    try:
        raw = json.loads((folder / BUILD_INFO_NAME).read_text(encoding="utf-8"))
        return BuildInfo(str(raw["version"]), raw.get("built_at"), raw.get("commit"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def source_version() -> str:
    """The version in ``pyproject.toml`` beside the packages, else the installed metadata."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        with open(pyproject, "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, ValueError, KeyError):
        pass
    try:
        return metadata.version("himaya")
    except metadata.PackageNotFoundError:
        return UNKNOWN


@lru_cache(maxsize=1)
def build_info() -> BuildInfo:
    bundle = bundle_dir()
    if bundle is not None:
        found = _from_bundle(bundle)
        if found is not None:
            return found
    return BuildInfo(source_version())


def version() -> str:
    return build_info().version
