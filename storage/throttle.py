"""Failed unlocks: a growing delay, remembered across restarts.

The failures are kept beside the key file (they happen before the database can be
opened) and become audit entries at the next successful unlock. An attacker with the
disk can delete this file; the delay protects against guessing at the screen, and the
Argon2id cost protects against guessing offline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from storage.files import atomic_write

FREE_ATTEMPTS = 2
MAX_DELAY = 60


def delay_after(failures: int) -> int:
    """Seconds to wait before the next attempt: 0, 0, then 1, 2, 4 … up to a minute."""
    if failures <= FREE_ATTEMPTS:
        return 0
    return min(MAX_DELAY, 2 ** (failures - FREE_ATTEMPTS - 1))


def _moment(text: object) -> datetime | None:
    """A failure's time as written by ``record_failure``; None for anything else (a damaged entry)."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


@dataclass
class UserFailures:
    count: int = 0
    times: list[str] = field(default_factory=list)


class Throttle:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, UserFailures]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {name: UserFailures(int(v["count"]), [t for t in v["times"] if _moment(t)][-50:])
                    for name, v in raw.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # a missing or damaged file only loses the delay, never the store

    def _save(self, state: dict[str, UserFailures]) -> None:
        body = {name: {"count": f.count, "times": f.times} for name, f in state.items() if f.count}
        atomic_write(self.path, json.dumps(body).encode("utf-8"))

    def wait_seconds(self, username: str, now: datetime) -> int:
        failures = self._load().get(username)
        if not failures or not failures.times:
            return 0
        last = _moment(failures.times[-1])
        if last is None:  # _load keeps only readable times; never reached
            return 0
        if last > now:
            # The clock was set back since (or the failure was stamped by a clock that was
            # ahead): the delay counts from now, never from a time still to come.
            failures.times[-1] = now.astimezone(timezone.utc).isoformat()
            state = self._load()
            state[username] = failures
            self._save(state)
            last = now
        remaining = delay_after(failures.count) - (now - last).total_seconds()
        return max(0, int(remaining + 0.999))

    def record_failure(self, username: str, now: datetime) -> int:
        state = self._load()
        failures = state.setdefault(username, UserFailures())
        failures.count += 1
        failures.times = (failures.times + [now.astimezone(timezone.utc).isoformat()])[-50:]
        self._save(state)
        return failures.count

    def take(self, username: str) -> UserFailures:
        """Forget the failures of ``username`` (after a success) and return them for audit."""
        state = self._load()
        failures = state.pop(username, UserFailures())
        if failures.count:
            self._save(state)
        return failures
