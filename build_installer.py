#!/usr/bin/env python3
"""Build the Himaya bundle an IT team installs: ``python build_installer.py``.

One PyInstaller "one-folder" bundle holds both programs, ``himaya`` (the desktop app) and
``himaya-cli``, with what they need at run time and nothing else:

- Python, the packages, ``sqlcipher3`` (SQLCipher is linked into its extension module),
  ``cryptography``, Babel with the Arabic, French and English locale data only;
- Qt with the platform plugins xcb, wayland and offscreen (Qt Quick/QML, WebEngine, 3D,
  multimedia, SQL, network and printing plugins are left out), and Qt's own translations
  for Arabic and French only;
- everything under ``resources/`` (fonts, checklists, reference data, icons), the gettext
  catalogs compiled to ``.mo`` files, and ``build-info.json`` (version, build date, commit).

Then, by platform:

- Linux: ``himaya-<version>-linux-<arch>.tar.gz`` with the bundle, a desktop entry, the
  icon and ``install.sh`` (installs to /opt/himaya, or ~/.local/opt/himaya without root).
- Windows: ``himaya.iss``, an Inno Setup script for the bundle; compiled to
  ``himaya-<version>-setup.exe`` when ``ISCC.exe`` is found.
- macOS: ``Himaya.app`` (PyInstaller's BUNDLE), with both programs in Contents/MacOS.

PyInstaller cannot cross-build: each platform's bundle is built on that platform. The
build leaves nothing in the source tree except under ``--dist`` and ``--work`` (default
``dist/`` and ``build/``, both ignored by git).

After building, ``<dist>/himaya/himaya --self-test`` checks the bundle (see ui/selftest.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent
NAME = "himaya"
APP_NAME = "Himaya"
BUNDLE_ID = "ma.cnclt.himaya"
#: Inno Setup's identity of the product: the same for every version, so a newer
#: installer upgrades an older installation in place (never change it).
INNO_APP_ID = "{{6E1B7C52-4A0F-4C35-9D8B-2F1B5E9A7C31}"

# --- what the bundle leaves out (checked against the self-test; see docs/INSTALL.md) -------------
EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "unittest", "pydoc", "doctest", "lib2to3", "test", "idlelib",
    "setuptools", "pkg_resources", "distutils", "pip", "wheel",
    "pytest", "_pytest", "pytestqt", "hypothesis", "importlinter", "grimp", "ruff", "PyInstaller",
    "IPython", "numpy",
    # East Asian codecs (about 1 MB): Himaya reads and writes UTF-8 only.
    "_codecs_jp", "_codecs_kr", "_codecs_cn", "_codecs_hk", "_codecs_tw", "_codecs_iso2022",
    # Pillow draws the PDFs' watermark (PNG in memory): no AVIF (5 MB), WebP, colour
    # management or Tk; its plugin registry skips the formats it cannot import.
    "PIL._avif", "PIL.AvifImagePlugin", "PIL._webp", "PIL.WebPImagePlugin", "PIL._imagingcms", "PIL.ImageCms",
    "PIL._imagingtk", "PIL.ImageTk", "PIL.ImageQt",
    # Qt modules Himaya does not use (the desktop app imports QtCore, QtGui, QtWidgets):
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2", "PySide6.QtQuickTest", "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets", "PySide6.QtWebEngineQuick", "PySide6.QtWebChannel",
    "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets",
    "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtDBus",
    "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools", "PySide6.QtXml", "PySide6.QtConcurrent",
    "PySide6.QtPrintSupport", "PySide6.QtPdf", "PySide6.QtCharts", "PySide6.QtSvgWidgets",
]
#: Qt plugin folders kept whole or in part (anything else under plugins/ is dropped).
QT_PLUGINS_KEPT = {
    "platforms": {"xcb", "wayland", "offscreen", "minimal", "windows", "cocoa", "direct2d"},
    # The desktop portal gives native file dialogs and colours; the GTK 3 theme would bring
    # cairo, pango and GTK's other libraries (about 8 MB) for the same.
    "platformthemes": {"xdgdesktopportal"},
    "platforminputcontexts": None,  # input methods (ibus, compose): Arabic keyboards
    "xcbglintegrations": None,
    "wayland-shell-integration": {"xdg-shell"},  # the shell of GNOME, KDE and the others
    "wayland-decoration-client": None,
    "wayland-graphics-integration-client": None,
    "iconengines": None,  # the SVG icon engine
    "imageformats": {"svg", "ico", "jpeg", "gif", "icns"},
    "styles": None,  # Windows and macOS native styles
}
#: Qt libraries no kept plugin or module needs (pulled in by the plugins dropped above).
QT_LIBS_DROPPED = ("Qt6Qml", "Qt6Quick", "Qt6Network", "Qt6Pdf", "Qt6EglFS", "Qt6VirtualKeyboard",
                   "Qt6WaylandCompositor", "Qt6WaylandEglCompositor", "Qt6WlShellIntegration",
                   "Qt6OpenGLWidgets", "Qt6Sql", "Qt6Test", "Qt6Designer", "Qt6Lottie", "Qt6Labs",
                   "Qt6PrintSupport")
QT_TRANSLATIONS_KEPT = ("qtbase_ar", "qtbase_fr")
BABEL_LOCALES_KEPT = ("root", "ar", "fr", "en")


@dataclass(frozen=True)
class BuildConfig:
    """Everything the generated spec needs, written beside it as JSON."""

    root: str
    stage: str
    dist: str
    work: str
    version: str
    system: str  # "linux", "windows", "darwin"

    @classmethod
    def load(cls, path: str | Path) -> "BuildConfig":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


# --- helpers shared by the build steps and the spec -----------------------------------------------

def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def source_commit() -> str | None:
    """The short commit id, with ``+dirty`` when tracked files differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+dirty" if dirty else "")


def system_name() -> str:
    return {"win32": "windows", "darwin": "darwin"}.get(sys.platform, "linux")


def _keep_binary(dest: str) -> bool:
    parts = Path(dest).parts
    if "plugins" in parts:
        i = parts.index("plugins")
        kind = parts[i + 1] if len(parts) > i + 2 else ""
        if kind not in QT_PLUGINS_KEPT:
            return False
        wanted = QT_PLUGINS_KEPT[kind]
        stem = Path(dest).stem.removeprefix("lib").removeprefix("q")
        return wanted is None or stem in wanted
    name = Path(dest).name.removeprefix("lib").lower()
    return not any(name.startswith(lib.lower()) for lib in QT_LIBS_DROPPED)


def _keep_data(dest: str) -> bool:
    path = Path(dest)
    parts = path.parts
    if "translations" in parts and path.suffix == ".qm":
        return path.stem in QT_TRANSLATIONS_KEPT
    if "locale-data" in parts and path.suffix == ".dat":
        return path.stem.split("_")[0] in BABEL_LOCALES_KEPT
    if "qml" in parts and "PySide6" in parts:
        return False
    return True


def _needed(path: str) -> set[str]:
    """Base names of the shared libraries ``path`` links against."""
    from PyInstaller.depend.bindepend import get_imports

    try:
        return {Path(name).name for name, _resolved in get_imports(path)}
    except Exception:  # noqa: BLE001 - not a binary PyInstaller can read: it needs nothing
        return set()


def _is_root(dest: str, typecode: str) -> bool:
    """Binaries loaded by something other than the linker: Python modules, Qt plugins, the
    Python library (the bootloader opens it) and libgcc_s (glibc opens it to unwind)."""
    name = Path(dest).name
    return (typecode == "EXTENSION" or "plugins" in Path(dest).parts
            or name.startswith(("libpython", "python3", "libgcc_s")) or not name.startswith("lib"))


def drop_orphans(binaries: list, datas: list) -> tuple[list, list]:
    """Linux: shared libraries no longer needed by anything kept (they came in with the
    plugins and modules pruned above), and symbolic links to what was dropped."""
    if system_name() != "linux":
        return binaries, datas
    files = {entry[0]: entry for entry in binaries if entry[2] != "SYMLINK"}
    links = [entry for entry in binaries + datas if entry[2] == "SYMLINK"]
    by_name: dict[str, list] = {}
    for dest in files:
        by_name.setdefault(Path(dest).name, []).append(dest)
    for dest, target, _typecode in links:  # a link's name leads to its target
        by_name.setdefault(Path(dest).name, []).append(str(Path(dest).parent / target))
    kept: set[str] = set()
    todo = [dest for dest, entry in files.items() if _is_root(dest, entry[2])]
    while todo:
        dest = os.path.normpath(todo.pop())
        if dest in kept or dest not in files:
            continue
        kept.add(dest)
        for name in _needed(files[dest][1]):
            todo += by_name.get(name, [])

    def wanted(entry: tuple) -> bool:
        dest, source, typecode = entry
        if typecode == "SYMLINK":
            target = os.path.normpath(str(Path(dest).parent / source))
            return target in kept or target not in files
        return dest in kept or dest not in files

    return [e for e in binaries if wanted(e)], [e for e in datas if wanted(e)]


def prune(entries: Iterable[Any]) -> list:
    """PyInstaller TOC entries (dest, source, typecode) the bundle keeps."""
    kept = []
    for dest, source, typecode in entries:
        if typecode in ("BINARY", "EXTENSION", "SYMLINK"):
            target = str(Path(dest).parent / source) if typecode == "SYMLINK" else dest
            if not (_keep_binary(dest) and _keep_binary(target)):
                continue
        elif not _keep_data(dest):
            continue
        kept.append((dest, source, typecode))
    return kept


def define_bundle(spec: dict[str, Any], config: BuildConfig) -> None:
    """The body of the generated ``.spec``: ``spec`` is the namespace PyInstaller gives it."""
    from PyInstaller.utils.hooks import collect_submodules

    Analysis, PYZ, EXE, COLLECT, BUNDLE = (spec[n] for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"))
    root, stage = Path(config.root), Path(config.stage)
    windows, mac = config.system == "windows", config.system == "darwin"
    icon = str(ROOT / "resources" / "icons" / ("himaya.ico" if windows else "himaya.icns" if mac else "himaya.png"))
    datas = [(str(root / "resources"), "resources"), (str(stage / "build-info.json"), ".")]
    datas += [(str(mo), str(mo.parent.relative_to(stage))) for mo in stage.glob("i18n/locale/*/LC_MESSAGES/*.mo")]
    ours = ["app", "storage", "i18n", "ui"]
    gui_hidden = [m for package in ours for m in collect_submodules(package)]
    cli_hidden = [m for m in gui_hidden if not m.startswith(("ui.qt", "ui.selftest"))]

    def analysis(script: str, hidden: list[str], excludes: list[str]):  # noqa: ANN202 - PyInstaller's type
        found = Analysis([str(stage / script)], pathex=[str(root)], hiddenimports=hidden, datas=datas,
                         excludes=excludes, noarchive=False, optimize=1)
        found.binaries, found.datas = drop_orphans(prune(found.binaries), prune(found.datas))
        return found

    gui = analysis("himaya_launcher.py", gui_hidden, EXCLUDED_MODULES)
    cli = analysis("himaya_cli_launcher.py", cli_hidden,
                   EXCLUDED_MODULES + ["PySide6", "shiboken6", "ui.qt", "ui.selftest"])
    linux = not (windows or mac)
    # strip: Linux only (on macOS it would break code signatures; Windows has no symbols to
    # strip), and only where binutils' strip is installed.
    strip = linux and shutil.which("strip") is not None
    common = dict(bootloader_ignore_signals=False, strip=strip, upx=False,
                  icon=None if linux else icon)  # Linux: the desktop entry carries the icon
    # The desktop app is windowed on Windows and macOS (no console window; an .app needs it).
    gui_exe = EXE(PYZ(gui.pure), gui.scripts, [], exclude_binaries=True, name=NAME, console=linux, **common)
    cli_exe = EXE(PYZ(cli.pure), cli.scripts, [], exclude_binaries=True, name=f"{NAME}-cli", console=True,
                  **common)
    folder = COLLECT(gui_exe, gui.binaries, gui.datas, cli_exe, cli.binaries, cli.datas,
                     strip=strip, upx=False, name=NAME)
    if mac:
        BUNDLE(folder, name=f"{APP_NAME}.app", icon=icon, bundle_identifier=BUNDLE_ID, version=config.version,
               info_plist={"CFBundleDisplayName": APP_NAME, "CFBundleShortVersionString": config.version,
                           "NSHighResolutionCapable": True, "LSMinimumSystemVersion": "11.0"})


# --- build steps -----------------------------------------------------------------------------------

LAUNCHERS = {
    "himaya_launcher.py": "import sys\nfrom ui.main import main\nsys.exit(main())\n",
    "himaya_cli_launcher.py": "import sys\nfrom ui.cli.main import main\nsys.exit(main())\n",
}
SPEC = """# Generated by build_installer.py: edit that file, not this one.
import sys
sys.path.insert(0, {root!r})
import build_installer
build_installer.define_bundle(globals(), build_installer.BuildConfig.load({config!r}))
"""


def stage_inputs(stage: Path, info: dict[str, Any]) -> None:
    """What the spec reads besides the sources: launchers, build info, compiled catalogs."""
    sys.path.insert(0, str(ROOT))
    from i18n import LOCALE_DIR, compile_po

    stage.mkdir(parents=True, exist_ok=True)
    for name, text in LAUNCHERS.items():
        (stage / name).write_text(text, encoding="utf-8")
    (stage / "build-info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        target = stage / "i18n" / "locale" / po.relative_to(LOCALE_DIR).with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(compile_po(po))


def run_pyinstaller(config: BuildConfig, quiet: bool) -> None:
    spec = Path(config.work) / f"{NAME}.spec"
    config_path = Path(config.work) / "build-config.json"
    config_path.write_text(json.dumps(asdict(config), indent=2), encoding="utf-8")
    spec.write_text(SPEC.format(root=str(ROOT), config=str(config_path)), encoding="utf-8")
    command = [sys.executable, "-m", "PyInstaller", str(spec), "--noconfirm", "--clean",
               "--distpath", config.dist, "--workpath", str(Path(config.work) / "pyinstaller"),
               "--log-level", "WARN" if quiet else "INFO"]
    # PyInstaller's cache of processed binaries goes into the work folder, not ~/.cache.
    env = dict(os.environ, PYINSTALLER_CONFIG_DIR=str(Path(config.work) / "pyinstaller-cache"))
    subprocess.run(command, cwd=config.work, check=True, env=env)


def check_linked(folder: Path) -> list[str]:
    """Linux: shared objects of the bundle whose Qt libraries are missing (pruned too far)."""
    if system_name() != "linux" or not shutil.which("ldd"):
        return []
    problems = []
    internal = folder / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}")
    for lib in sorted(internal.rglob("*.so*")):
        if not lib.is_file() or lib.is_symlink():
            continue
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env).stdout
        missing = [line.split()[0] for line in out.splitlines() if "not found" in line and "Qt6" in line]
        if missing:
            problems.append(f"{lib.relative_to(folder)}: {', '.join(missing)}")
    return problems


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Version=1.5
Name=Himaya
Name[ar]=حماية
Name[fr]=Himaya
GenericName=Case management (National Referral Mechanism)
GenericName[ar]=تدبير ملفات الآلية الوطنية للإحالة
GenericName[fr]=Gestion des cas (Mécanisme national d'orientation)
Comment=Offline case management for victims of trafficking
Exec=@EXEC@
Icon=himaya
Terminal=false
Categories=Office;
StartupWMClass=himaya
"""

INSTALL_SH = """#!/bin/sh
# Install (or upgrade) Himaya from this folder. The store, settings and logs live in each
# user's own folders and are never touched: an upgrade replaces only the program.
#   ./install.sh            as root: /opt/himaya, /usr/local/bin, /usr/share/applications
#   ./install.sh            as a user: ~/.local/opt/himaya, ~/.local/bin, ~/.local/share/applications
#   PREFIX=/some/dir ./install.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
    PREFIX=${PREFIX:-/opt/himaya}; BIN=${BIN:-/usr/local/bin}; SHARE=${SHARE:-/usr/share}
else
    PREFIX=${PREFIX:-$HOME/.local/opt/himaya}; BIN=${BIN:-$HOME/.local/bin}; SHARE=${SHARE:-$HOME/.local/share}
fi
"$HERE/himaya/himaya" --self-test >/dev/null || { echo "self-test failed: run $HERE/himaya/himaya --self-test" >&2; exit 1; }
mkdir -p "$(dirname "$PREFIX")" "$BIN" "$SHARE/applications" "$SHARE/icons/hicolor/scalable/apps" \\
    "$SHARE/icons/hicolor/256x256/apps"
rm -rf "$PREFIX.new" && cp -a "$HERE/himaya" "$PREFIX.new"
rm -rf "$PREFIX.old" && if [ -e "$PREFIX" ]; then mv "$PREFIX" "$PREFIX.old"; fi
mv "$PREFIX.new" "$PREFIX" && rm -rf "$PREFIX.old"
ln -sf "$PREFIX/himaya" "$BIN/himaya"
ln -sf "$PREFIX/himaya-cli" "$BIN/himaya-cli"
cp "$HERE/share/icons/hicolor/scalable/apps/himaya.svg" "$SHARE/icons/hicolor/scalable/apps/"
cp "$HERE/share/icons/hicolor/256x256/apps/himaya.png" "$SHARE/icons/hicolor/256x256/apps/"
sed "s|@EXEC@|$PREFIX/himaya|" "$HERE/share/applications/himaya.desktop" > "$SHARE/applications/himaya.desktop"
echo "Himaya $(cat "$HERE/VERSION") installed in $PREFIX (commands in $BIN)."
"""


def linux_archive(bundle: Path, dist: Path, version: str) -> Path:
    """``himaya-<version>-linux-<arch>.tar.gz``: bundle, desktop entry, icons, install.sh."""
    top = f"{NAME}-{version}"
    archive = dist / f"{top}-linux-{platform.machine()}.tar.gz"
    extra = dist / f"{top}-extra"
    shutil.rmtree(extra, ignore_errors=True)
    (extra / "share" / "applications").mkdir(parents=True)
    (extra / "share" / "applications" / "himaya.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    for size, name in (("scalable", "himaya.svg"), ("256x256", "himaya.png")):
        target = extra / "share" / "icons" / "hicolor" / size / "apps"
        target.mkdir(parents=True)
        shutil.copy2(ROOT / "resources" / "icons" / name, target / name)
    (extra / "install.sh").write_text(INSTALL_SH, encoding="utf-8")
    (extra / "install.sh").chmod(0o755)
    (extra / "VERSION").write_text(version + "\n", encoding="utf-8")
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{top}/{NAME}")
        for item in sorted(extra.iterdir()):
            tar.add(item, arcname=f"{top}/{item.name}")
    shutil.rmtree(extra)
    return archive


INNO_SCRIPT = """; Generated by build_installer.py: edit that file, not this one.
; Compile on Windows with Inno Setup 6: ISCC.exe himaya.iss
#define AppVersion "{version}"
[Setup]
AppId={app_id}
AppName=Himaya
AppVersion={{#AppVersion}}
AppPublisher=CNCLT - Kingdom of Morocco
DefaultDirName={{autopf}}\\Himaya
DefaultGroupName=Himaya
DisableProgramGroupPage=yes
PrivilegesRequiredOverridesAllowed=dialog
OutputDir={output}
OutputBaseFilename=himaya-{{#AppVersion}}-setup
SetupIconFile={icon}
UninstallDisplayIcon={{app}}\\himaya.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesInstallIn64BitMode=x64compatible
ArchitecturesAllowed=x64compatible
; The store, settings and logs are in each user's profile: an upgrade or an uninstall
; never touches them.
[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "fr"; MessagesFile: "compiler:Languages\\French.isl"
; Arabic is not among Inno Setup's official translations: drop the community Arabic.isl
; (jrsoftware.org/files/istrans/) into its Languages folder to offer it.
#if FileExists(CompilerPath + "Languages\\Arabic.isl")
Name: "ar"; MessagesFile: "compiler:Languages\\Arabic.isl"
#endif
[InstallDelete]
; An upgrade first removes the previous version's program files (never user data).
Type: filesandordirs; Name: "{{app}}\\_internal"
[Files]
Source: "{bundle}\\*"; DestDir: "{{app}}"; Flags: ignoreversion recursesubdirs createallsubdirs
[Icons]
Name: "{{group}}\\Himaya"; Filename: "{{app}}\\himaya.exe"
Name: "{{autodesktop}}\\Himaya"; Filename: "{{app}}\\himaya.exe"; Tasks: desktopicon
[Tasks]
Name: "desktopicon"; Description: "{{cm:CreateDesktopIcon}}"; GroupDescription: "{{cm:AdditionalIcons}}"
[Run]
; The windowed app writes its self-test report to %LOCALAPPDATA%\\Himaya\\logs\\self-test.txt.
Filename: "{{app}}\\himaya.exe"; Parameters: "--self-test"; Flags: runhidden waituntilterminated; StatusMsg: "Self-test"
Filename: "{{app}}\\himaya.exe"; Description: "{{cm:LaunchProgram,Himaya}}"; Flags: nowait postinstall skipifsilent
"""


def inno_script(bundle: Path, dist: Path, version: str) -> Path:
    """The Inno Setup script for a Windows bundle (compiled when ISCC.exe is found)."""
    script = dist / f"{NAME}.iss"
    script.write_text(INNO_SCRIPT.format(version=version, app_id=INNO_APP_ID, output=dist, bundle=bundle,
                                         icon=ROOT / "resources" / "icons" / "himaya.ico"), encoding="utf-8")
    iscc = shutil.which("ISCC") or shutil.which("iscc")
    if iscc:
        subprocess.run([iscc, str(script)], check=True)
    return script


# --- the command ----------------------------------------------------------------------------------

def build(dist: Path, work: Path, *, archive: bool = True, quiet: bool = True) -> dict[str, Any]:
    """Build everything for this platform; returns what was made, with sizes and times."""
    started = time.monotonic()
    dist, work = dist.resolve(), work.resolve()
    version = project_version()
    info = {"version": version, "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "commit": source_commit(), "python": platform.python_version(), "system": system_name()}
    stage = work / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    stage_inputs(stage, info)
    config = BuildConfig(root=str(ROOT), stage=str(stage), dist=str(dist), work=str(work), version=version,
                         system=system_name())
    run_pyinstaller(config, quiet)
    bundle = dist / NAME
    problems = check_linked(bundle)
    if problems:
        raise SystemExit("the bundle misses Qt libraries:\n  " + "\n  ".join(problems))
    made: dict[str, Any] = {"bundle": str(bundle), "bundle_bytes": folder_size(bundle), **info}
    if config.system == "linux" and archive:
        tar = linux_archive(bundle, dist, version)
        made.update(archive=str(tar), archive_bytes=tar.stat().st_size)
    elif config.system == "windows":
        made["inno_script"] = str(inno_script(bundle, dist, version))
    elif config.system == "darwin":
        made["app"] = str(dist / f"{APP_NAME}.app")
    made["build_seconds"] = round(time.monotonic() - started, 1)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build_installer.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the bundle goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder (default: build/)")
    parser.add_argument("--no-archive", action="store_true", help="Linux: do not make the .tar.gz")
    parser.add_argument("--verbose", action="store_true", help="PyInstaller's full log")
    args = parser.parse_args(argv)
    made = build(args.dist, args.work, archive=not args.no_archive, quiet=not args.verbose)
    print(json.dumps(made, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
