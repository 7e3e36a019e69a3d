"""The merge of field writes (SYNC.md): one multi-value register per field, pure.

A write names itself with a dot ``(device, counter)`` and lists in ``supersedes`` the dots
of the writes to that field its author had seen. A replica's value of a field is every
write it knows that no known write supersedes: one write is the normal case; two or more
are a conflict, kept until someone resolves it with a write that supersedes them all.
Wall-clock time is carried for display and never decides anything.

The state of one field is a ``Register``: the live writes and a clock, for each device,
of the highest counter of that device known to be covered. A write ``(d, c)`` whose ``c``
is not above ``clock[d]`` is already known or causally older than something known:

* a device's writes to one field are ordered (each later write superseded, directly or
  through others, everything the device had seen, its own earlier writes included), so
  knowing ``(d, 5)`` covers ``(d, 1..4)``;
* a write superseding ``(d, c)`` covers ``(d, 1..c)`` for the same reason.

So the register is a function of the set of writes received, whatever their order, and
receiving one twice changes nothing: merge is commutative, associative and idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

Dot = tuple[str, int]


@dataclass(frozen=True)
class Write:
    """One field write as it travels: what, which value, its dot and what it superseded."""

    record_type: str
    record_id: str
    field: str
    value: Any
    dot: Dot
    supersedes: tuple[Dot, ...] = ()
    written_at: str = ""  # UTC ISO time on the writer's clock: shown, never compared
    actor: str = ""  # who wrote it (a username of the writing device), shown in conflicts

    def to_json(self) -> dict[str, Any]:
        return {"t": self.record_type, "r": self.record_id, "f": self.field, "v": self.value,
                "d": [self.dot[0], self.dot[1]], "s": [[d, c] for d, c in self.supersedes],
                "at": self.written_at, "by": self.actor}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> "Write":
        """The write of a decoded payload; ``ValueError`` names what is wrong."""
        try:
            dot = _dot(raw["d"])
            supersedes = tuple(_dot(s) for s in raw.get("s", ()))
            record_type, record_id, name = raw["t"], raw["r"], raw["f"]
            written_at, actor = raw.get("at", ""), raw.get("by", "")
            value = raw["v"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"a field write lacks or garbles {exc}") from None
        for label, text in (("record type", record_type), ("record id", record_id), ("field", name),
                            ("time", written_at), ("author", actor)):
            if not isinstance(text, str) or len(text) > 200:
                raise ValueError(f"a field write has a bad {label}")
        if not record_type or not record_id or not name:
            raise ValueError("a field write names no record or field")
        return cls(record_type, record_id, name, value, dot, supersedes, written_at, actor)


def _dot(raw: Any) -> Dot:
    if (not isinstance(raw, (list, tuple)) or len(raw) != 2 or not isinstance(raw[0], str) or not raw[0]
            or isinstance(raw[1], bool) or not isinstance(raw[1], int) or raw[1] < 1):
        raise ValueError("a dot is [device id, counter ≥ 1]")
    return (raw[0], raw[1])


@dataclass(frozen=True)
class Register:
    """The state of one field: its live writes (sorted by dot) and the covered counters."""

    live: tuple[Write, ...] = ()
    clock: Mapping[str, int] = field(default_factory=dict)

    @property
    def conflict(self) -> bool:
        return len(self.live) > 1

    @property
    def dots(self) -> tuple[Dot, ...]:
        return tuple(w.dot for w in self.live)

    def covers(self, dot: Dot) -> bool:
        return dot[1] <= self.clock.get(dot[0], 0)

    def value(self) -> Any:
        """The value shown in the record: the only one, or in a conflict the write with the
        greatest dot (an arbitrary but shared choice, so every replica shows the same; the
        conflict itself is listed for a supervisor)."""
        return self.live[-1].value if self.live else None

    def to_json(self) -> dict[str, Any]:
        return {"live": [w.to_json() for w in self.live], "clock": dict(sorted(self.clock.items()))}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> "Register":
        return cls(tuple(Write.from_json(w) for w in raw.get("live", ())),
                   {str(d): int(c) for d, c in raw.get("clock", {}).items()})


def merge(register: Register | None, write: Write) -> Register:
    """The register after receiving ``write`` (unchanged if it is known or covered and
    supersedes nothing still live)."""
    register = register or Register()
    known = register.covers(write.dot)
    clock = dict(register.clock)
    if not known:
        clock[write.dot[0]] = write.dot[1]
    # What this write has seen: its device's earlier writes to the field and what it supersedes.
    # Only those leave the live set (the clock also counts the live writes themselves). A write
    # already covered still retires what it had seen: when C's write supersedes A's, which had
    # superseded B's, a replica that got B's and C's before A's must drop B's when A's arrives.
    seen = {write.dot[0]: write.dot[1] - 1}
    for device, counter in write.supersedes:
        seen[device] = max(seen.get(device, 0), counter)
        if counter > clock.get(device, 0):
            clock[device] = counter
    live = [w for w in register.live if not _covered(w.dot, seen)]
    if known and len(live) == len(register.live) and clock == register.clock:
        return register
    if not known:
        live.append(write)
        live.sort(key=lambda w: w.dot)
    return Register(tuple(live), clock)


def _covered(dot: Dot, clock: Mapping[str, int]) -> bool:
    return dot[1] <= clock.get(dot[0], 0)


def merge_all(register: Register | None, writes: Iterable[Write]) -> Register:
    for write in writes:
        register = merge(register, write)
    return register or Register()


def local_register(value: Any, dots: Iterable[Dot], record_type: str = "", record_id: str = "",
                   name: str = "") -> Register:
    """The register of a field only ever written on this device (no merge state kept):
    its stored value under its stored dots (one dot, unless a conflict was materialised)."""
    dots = sorted(dots)
    if not dots:
        return Register()
    live = tuple(Write(record_type, record_id, name, value, d) for d in dots)
    clock: dict[str, int] = {}
    for device, counter in dots:
        clock[device] = max(clock.get(device, 0), counter)
    return Register(live, clock)


def new_write(register: Register | None, record_type: str, record_id: str, name: str, value: Any,
              dot: Dot, written_at: str = "", actor: str = "") -> Write:
    """A write made here, seeing ``register``: it supersedes every live write (resolving a
    conflict, whichever value it carries)."""
    seen = register.dots if register else ()
    return Write(record_type, record_id, name, value, dot, tuple(seen), written_at, actor)
