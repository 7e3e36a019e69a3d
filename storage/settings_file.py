"""The device settings file (``$XDG_CONFIG_HOME/himaya/settings.json``): no case data, no secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from app import strict_json
from app.settings import coerce, validate
from storage.files import atomic_write


def default_path() -> Path:
    if os.environ.get("HIMAYA_CONFIG"):
        return Path(os.environ["HIMAYA_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(base) / "himaya" / "settings.json"


class SettingsFile:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.values = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            raw = strict_json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            raw = {}
        return coerce(raw if isinstance(raw, dict) else {})

    def get(self, key: str) -> Any:
        return self.values[key]

    def set(self, key: str, value: Any) -> None:
        self.values[key] = validate(key, value)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(self.path, json.dumps(self.values, indent=2).encode("utf-8"))
