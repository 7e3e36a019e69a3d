"""The installable bundle, built for real with ``build_installer.py`` into a temporary folder
(about a minute on two cores), then run: its self-test, both programs' ``--version``, a
short command-line journey, what it leaves out, and the Linux archive with its installer.

Marked ``slow`` (``-m "not slow"`` leaves it out locally); ``./dev test`` and CI run it.
Nothing is cached between runs and nothing is written into the source tree.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from storage.migrations import CURRENT

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tar.gz and its installer are Linux only"),
]
PASSPHRASE = "bundle test lantern harbour 42"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("bundle")
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(ROOT / "build_installer.py"), "--dist", str(base / "dist"),
                             "--work", str(base / "work")], cwd=base, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    print(f"\nbundle built in {time.monotonic() - started:.0f} s")  # shown with -s; see docs/INSTALL.md
    return base / "dist"


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What an installed program sees on a user's machine: no developer variables, no display."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HIMAYA_", "XDG_", "QT_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), DISPLAY="", WAYLAND_DISPLAY="", LANG="C.UTF-8", **extra)
    return env


def run(argv: list[str], home: Path, **extra: str) -> subprocess.CompletedProcess:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(argv, cwd=home, env=clean_env(home, **extra), capture_output=True, text=True,
                          timeout=300)


def test_the_bundles_self_test_passes(built, tmp_path):
    started = time.monotonic()
    result = run([str(built / "himaya" / "himaya"), "--self-test"], tmp_path / "home")
    print(f"\nbundle self-test in {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.match(rf"himaya \S+ \(store schema {CURRENT}\), built \d{{4}}-\d\d-\d\dT\S+Z", lines[0]), lines[0]
    for check in ("qt", "font", "translations", "resources", "store"):
        assert any(re.match(rf"PASS  {check} ", line) for line in lines), (check, result.stdout)
    assert any(re.match(r"(PASS|SKIP)  pdf ", line) for line in lines)
    assert "catalogs ar, fr translate (compiled)" in result.stdout  # .mo files, no Babel compile at start
    assert lines[-1].startswith("OK: ")
    assert list((tmp_path / "home").rglob("*")) == []


def test_both_programs_show_version_schema_and_build_date(built, tmp_path):
    for program in ("himaya", "himaya-cli"):
        result = run([str(built / "himaya" / program), "--version"], tmp_path / "home")
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(rf"{program} \S+ \(store schema {CURRENT}\), built \d{{4}}-\S+Z( from \S+)?\n",
                            result.stdout), result.stdout


def test_the_bundled_command_line_creates_and_reads_an_encrypted_store(built, tmp_path):
    cli = str(built / "himaya" / "himaya-cli")
    store = tmp_path / "store"
    env = {"HIMAYA_PASSPHRASE": PASSPHRASE, "HIMAYA_NEW_PASSPHRASE": PASSPHRASE, "HIMAYA_KDF": "minimum",
           "HIMAYA_LANG": "en"}
    home = tmp_path / "home"
    made = run([cli, "--store", str(store), "init", "--username", "salma", "--display-name", "Salma",
                "--scope", "north"], home, **env)
    assert made.returncode == 0, made.stderr
    added = run([cli, "--store", str(store), "case", "add", "--first-name", "Aminata", "--first-name-ar",
                 "أميناتا", "--border-post", "TNG-MED"], home, **env)
    assert added.returncode == 0, added.stderr
    listed = run([cli, "--store", str(store), "case", "list"], home, **env)
    assert listed.returncode == 0 and listed.stdout.count("HMY-") == 1, listed.stdout + listed.stderr
    wrong = run([cli, "--store", str(store), "case", "list"], home, **{**env, "HIMAYA_PASSPHRASE": "not it at all"})
    assert wrong.returncode == 1 and len(wrong.stderr.strip().splitlines()) == 1
    assert b"Aminata" not in (store / "himaya.db").read_bytes()


def test_the_bundle_leaves_out_what_himaya_does_not_use(built):
    internal = built / "himaya" / "_internal"
    names = [str(p.relative_to(internal)) for p in internal.rglob("*")]
    for unused in ("Qt6Qml", "Qt6Quick", "Qt6WebEngine", "Qt63D", "Qt6Multimedia", "Qt6Network", "Qt6Pdf",
                   "tkinter", "_tkinter", "libqeglfs", "libqvnc", "libqgtk3", "qmltooling", "sqldrivers"):
        assert not [n for n in names if unused in n], unused
    assert not [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]  # no dangling links
    translations = sorted(p.name for p in internal.rglob("PySide6/Qt/translations/*.qm"))
    assert translations == ["qtbase_ar.qm", "qtbase_fr.qm"]
    locales = {p.stem.split("_")[0] for p in internal.rglob("babel/locale-data/*.dat")}
    assert locales == {"root", "ar", "fr", "en"}
    assert sorted(p.parent.parent.name for p in internal.glob("i18n/locale/*/LC_MESSAGES/himaya.mo")) == [
        "ar", "en", "fr"]
    platforms = sorted(p.name for p in internal.glob("PySide6/Qt/plugins/platforms/*.so"))
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= set(platforms)
    for shipped in ("resources/fonts/NotoSansArabic-Variable.ttf", "resources/checklists/border-short.v1.json",
                    "resources/reference/countries.json", "resources/icons/himaya.svg", "build-info.json"):
        assert (internal / shipped).is_file(), shipped


def test_the_linux_archive_installs_with_its_desktop_entry(built, tmp_path):
    archives = list(built.glob("himaya-*-linux-*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        members = set(tar.getnames())
        top = sorted(members)[0].split("/")[0]
        for needed in ("himaya/himaya", "himaya/himaya-cli", "install.sh", "share/applications/himaya.desktop",
                       "share/icons/hicolor/256x256/apps/himaya.png", "share/icons/hicolor/scalable/apps/himaya.svg"):
            assert f"{top}/{needed}" in members, needed
        tar.extractall(tmp_path / "unpacked", filter="tar")
    unpacked = tmp_path / "unpacked" / top
    home = tmp_path / "home"
    prefix, bin_dir, share = tmp_path / "opt" / "himaya", tmp_path / "bin", tmp_path / "share"
    installed = run(["sh", str(unpacked / "install.sh")], home, PREFIX=str(prefix), BIN=str(bin_dir),
                    SHARE=str(share))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    entry = (share / "applications" / "himaya.desktop").read_text(encoding="utf-8")
    assert f"Exec={prefix}/himaya\n" in entry and "Icon=himaya\n" in entry and "Name[ar]=حماية" in entry
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "himaya.svg").is_file()
    version = run([str(bin_dir / "himaya-cli"), "--version"], home)
    assert version.returncode == 0 and version.stdout.startswith("himaya-cli ")
    # Installing again (an upgrade) replaces the program and nothing else.
    (home / "keep.txt").write_text("user data", encoding="utf-8")
    again = run(["sh", str(unpacked / "install.sh")], home, PREFIX=str(prefix), BIN=str(bin_dir), SHARE=str(share))
    assert again.returncode == 0, again.stderr
    assert (home / "keep.txt").read_text(encoding="utf-8") == "user data"
    assert not (tmp_path / "opt" / "himaya.old").exists() and not (tmp_path / "opt" / "himaya.new").exists()
