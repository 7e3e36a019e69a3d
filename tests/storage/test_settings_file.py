"""Settings: one typed table (``app.settings.SETTINGS``: key, type, default, allowed values),
stored per user in ``$XDG_CONFIG_HOME/himaya/settings.json``, readable by the user only,
and never holding a secret."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from app.settings import SETTINGS, coerce
from storage.settings_file import SettingsFile, default_path

SECRET_WORDS = re.compile(r"passphrase|password|secret|token|private|data_key|wrapped", re.IGNORECASE)


def test_the_table_types_every_setting_and_none_is_a_secret() -> None:
    assert SETTINGS, "the table is empty"
    for key, setting in SETTINGS.items():
        assert setting.key == key and setting.type in (str, int, bool)
        assert type(setting.default) is setting.type and setting.valid(setting.default), key
        assert not SECRET_WORDS.search(key), key
    assert coerce({}) == {key: s.default for key, s in SETTINGS.items()}


def test_the_file_is_in_the_users_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIMAYA_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_path() == tmp_path / "config" / "himaya" / "settings.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".config" / "himaya" / "settings.json"
    monkeypatch.setenv("HIMAYA_CONFIG", str(tmp_path / "elsewhere.json"))
    assert default_path() == tmp_path / "elsewhere.json"


def test_set_writes_typed_known_values_for_the_user_only(tmp_path: Path) -> None:
    settings = SettingsFile(tmp_path / "himaya" / "settings.json")
    settings.set("language", "fr")
    settings.set("idle_lock_minutes", 3)
    assert stat.S_IMODE(settings.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.path.parent.stat().st_mode) == 0o700
    stored = json.loads(settings.path.read_text(encoding="utf-8"))
    assert set(stored) == set(SETTINGS) and stored["language"] == "fr" and stored["idle_lock_minutes"] == 3
    before = settings.path.read_bytes()
    for key, value, error in (("passphrase", "hunter2 hunter2", KeyError), ("idle_lock_minutes", "3", ValueError),
                              ("idle_lock_minutes", 60, ValueError), ("language", "de", ValueError)):
        with pytest.raises(error):
            settings.set(key, value)
    assert settings.path.read_bytes() == before
    assert SettingsFile(settings.path).get("language") == "fr"


def test_a_tampered_file_loads_as_defaults_and_unknown_keys_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"language": 5, "idle_lock_minutes": 99, "passphrase": "x", "case_page_size": 500}),
                    encoding="utf-8")
    settings = SettingsFile(path)
    assert settings.values == {**coerce({}), "case_page_size": 500}
    settings.set("language", "en")
    assert "passphrase" not in json.loads(path.read_text(encoding="utf-8"))
    path.write_text("not json", encoding="utf-8")
    assert SettingsFile(path).values == coerce({})
