"""Where the shipped data files live, and the reference lists read from them."""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any


def bundle_dir() -> Path | None:
    """The unpacked folder of an installed (PyInstaller) bundle; None when run from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).resolve().parent))


def resources_dir() -> Path:
    """``resources/`` beside the packages, or inside the bundle; ``HIMAYA_RESOURCES`` overrides."""
    override = os.environ.get("HIMAYA_RESOURCES")
    if override:
        return Path(override)
    bundle = bundle_dir()
    if bundle is not None:
        return bundle / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def load_json(relative: str) -> Any:
    with open(resources_dir() / relative, encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes known to Himaya."""
    return frozenset(entry["code"] for entry in load_json("reference/countries.json")["countries"])


@lru_cache(maxsize=1)
def border_posts() -> dict[str, dict[str, str]]:
    """Border posts and field offices by code."""
    return {post["code"]: post for post in load_json("reference/border_posts.json")["border_posts"]}


@lru_cache(maxsize=1)
def agencies() -> dict[str, dict[str, str]]:
    """Detecting agencies by code."""
    return {agency["code"]: agency for agency in load_json("reference/agencies.json")["agencies"]}


@lru_cache(maxsize=1)
def name_equivalents() -> dict[str, tuple[str, ...]]:
    """Curated groups of equivalent names (``resources/names/equivalents.json``): id → spellings."""
    return {gid: tuple(names) for gid, names in load_json("names/equivalents.json")["groups"].items()}
