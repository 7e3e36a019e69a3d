"""The version has one source (pyproject.toml), and an installed bundle adds its build date
and commit from ``build-info.json`` (written by build_installer.py)."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest

from app import version
from app.resources import resources_dir
from ui.about import SCHEMA_VERSION, version_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_build_info():
    version.build_info.cache_clear()
    yield
    version.build_info.cache_clear()


def test_from_source_the_version_is_the_one_in_pyproject(fresh_build_info):
    with open(ROOT / "pyproject.toml", "rb") as handle:
        expected = tomllib.load(handle)["project"]["version"]
    info = version.build_info()
    assert info.version == expected and not info.frozen and info.built_at is None
    assert version_text("himaya-cli") == f"himaya-cli {expected} (store schema {SCHEMA_VERSION})"


def test_a_frozen_bundle_reads_its_build_info_and_resources(tmp_path, monkeypatch, fresh_build_info):
    (tmp_path / "build-info.json").write_text(json.dumps(
        {"version": "9.8.7", "built_at": "2026-05-04T03:02:01Z", "commit": "abc123def456"}), encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.delenv("HIMAYA_RESOURCES", raising=False)
    info = version.build_info()
    assert (info.version, info.built_at, info.commit, info.frozen) == (
        "9.8.7", "2026-05-04T03:02:01Z", "abc123def456", True)
    assert version_text("himaya-cli") == (
        f"himaya-cli 9.8.7 (store schema {SCHEMA_VERSION}), built 2026-05-04T03:02:01Z from abc123def456")
    assert resources_dir() == tmp_path / "resources"
    monkeypatch.setenv("HIMAYA_RESOURCES", str(tmp_path / "elsewhere"))
    assert resources_dir() == tmp_path / "elsewhere"
