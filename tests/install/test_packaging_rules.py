"""What build_installer.py keeps and drops, and the Windows installer script it writes,
checked without building (the bundle itself is built in test_bundle.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import build_installer as bi  # noqa: E402 - a script at the top of the repository


def test_qt_plugins_kept_are_the_display_platforms_and_input_methods():
    keep = [
        "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/platforms/qwindows.dll",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so", "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6", "PySide6/QtWidgets.abi3.so",
    ]
    drop = [
        "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so", "PySide6/Qt/plugins/qmltooling/libqmldbg_tcp.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so", "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/lib/libQt6Qml.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "libQt6EglFsKmsSupport.so.6",
        "PySide6/Qt/plugins/wayland-shell-integration/libwl-shell-plugin.so",
    ]
    assert [d for d in keep if not bi._keep_binary(d)] == []
    assert [d for d in drop if bi._keep_binary(d)] == []


def test_only_the_languages_of_himaya_are_kept_from_qt_and_babel():
    assert bi._keep_data("PySide6/Qt/translations/qtbase_ar.qm")
    assert bi._keep_data("PySide6/Qt/translations/qtbase_fr.qm")
    assert not bi._keep_data("PySide6/Qt/translations/qtbase_de.qm")
    assert not bi._keep_data("PySide6/Qt/translations/qtdeclarative_ar.qm")
    for kept in ("root", "ar", "ar_MA", "fr", "fr_MA", "en", "en_001"):
        assert bi._keep_data(f"babel/locale-data/{kept}.dat"), kept
    for dropped in ("de", "zh_Hant_HK", "arn", "frr"):
        assert not bi._keep_data(f"babel/locale-data/{dropped}.dat"), dropped
    assert bi._keep_data("resources/fonts/NotoSansArabic-Variable.ttf")


def test_symlinks_follow_their_targets_when_pruning():
    entries = [("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
               ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
               ("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY")]
    assert bi.prune(entries) == entries[1:]


def test_the_inno_setup_script_upgrades_in_place_and_runs_the_self_test(tmp_path):
    script = bi.inno_script(tmp_path / "dist" / "himaya", tmp_path, "1.2.3").read_text(encoding="utf-8")
    assert '#define AppVersion "1.2.3"' in script
    assert f"AppId={bi.INNO_APP_ID}\n" in script and bi.INNO_APP_ID.startswith("{{")  # one id for every version
    assert 'Type: filesandordirs; Name: "{app}\\_internal"' in script  # the old program files go first
    assert f'Source: "{tmp_path / "dist" / "himaya"}\\*"' in script
    assert 'Parameters: "--self-test"' in script and "{{" not in script.replace(bi.INNO_APP_ID, "")
    assert "OutputBaseFilename=himaya-{#AppVersion}-setup" in script
