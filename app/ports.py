"""What the core needs from the outside world, as Protocols.

``storage`` implements the store and key store; tests and the command line may bring
their own clock. The core never imports an implementation.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterator, Literal, NamedTuple, Protocol, Sequence, TypeVar

from app.domain.audit import AuditEntry, AuditEvent
from app.merge import Register, Write
from app.domain.values import CaseState, Sex
from app.domain.user import User

R = TypeVar("R")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc).replace(microsecond=0)


SortKey = Literal["detected_on", "opened_at", "case_number", "state", "name", "border_post"]


@dataclass(frozen=True)
class CaseQuery:
    """A page of the case list: filters, text, sort and window."""

    states: frozenset[CaseState] = frozenset()
    border_posts: frozenset[str] = frozenset()
    scope_ids: frozenset[str] | None = None  # None: every scope (set by the service)
    assigned_to: str | None = None
    detected_from: date | None = None
    detected_to: date | None = None
    text: str = ""
    sort: SortKey = "opened_at"
    descending: bool = True
    offset: int = 0
    limit: int = 100
    #: Continue after this case (the last row shown): pages stay fast however far the user
    #: scrolls, where an offset would make the store skip every earlier row again.
    after_id: str | None = None


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list: what the list shows, nothing more."""

    id: str
    case_number: str
    state: CaseState
    name_ar: str
    name_latin: str
    sex: Sex
    nationality: str | None
    border_post: str | None
    detected_on: date
    opened_at: datetime
    assigned_to: str | None
    scope_id: str


class StatsFacts(NamedTuple):
    """The non-identifying facts of one case that statistics count (``CaseStore.stats_facts``).

    Stored codes and ISO dates as they are in the records, nothing decoded or validated:
    ``app.stats.facts_row`` turns them into a ``StatsRow``. No name, number or free text.
    """

    state: str
    closure_reason: str | None
    screening_outcome: str | None
    border_post: str | None
    detecting_agency: str | None
    detected_on: str  # YYYY-MM-DD
    sex: str | None
    nationality: str | None
    birth_date: str | None
    birth_year: int | None
    age_band: str | None
    #: The answer to ``answer_item`` in the latest completed screening that answered it.
    exploitation_form: str | None
    #: The recommendation of the latest completed screening.
    recommendation: str | None
    #: The service categories asked by the case's referrals (withdrawn ones left out).
    referral_categories: tuple[str, ...]


class UnitOfWork(Protocol):
    """One transaction: record changes with their field writes, and audit entries."""

    def put(self, record: Any, previous: Any | None = None, force: frozenset[str] = frozenset()) -> None:
        """Insert ``record`` (``previous`` None) or update it from ``previous``.

        Writes one outbox field write per changed field, with the dots it supersedes (every
        live write of the field: a conflict is resolved); a field named in ``force`` is
        written even when unchanged. Raises ``StaleRecord`` when the stored record is not
        ``previous``.
        """

    def audit(self, event: AuditEvent) -> None: ...

    def next_case_number(self, year: int) -> str: ...


class CaseStore(Protocol):
    device_id: str

    def transaction(self) -> AbstractContextManager[UnitOfWork]: ...

    def get(self, cls: type[R], record_id: str) -> R | None: ...

    def for_case(self, cls: type[R], case_id: str) -> list[R]:
        """Every record of ``cls`` (risk, consent, note …) attached to a case, oldest first."""

    def all_records(self, cls: type[R]) -> list[R]:
        """Every record of a small table (the service directory)."""

    def count_records(self, cls: type) -> int: ...

    def open_tasks(self, assigned_to: str, due_until: date) -> list[Any]:
        """Follow-up tasks of a user, not done, due on or before ``due_until``."""

    def referrals_waiting(self, referred_by: str, sent_before: datetime) -> list[Any]:
        """Referrals sent by a user before ``sent_before`` still without an answer."""

    def list_cases(self, query: CaseQuery) -> list[CaseRow]: ...

    def count_cases(self, query: CaseQuery) -> int: ...

    def stats_facts(self, query: CaseQuery, *, answer_item: str) -> Iterator[StatsFacts]:
        """The facts of every case ``count_cases(query)`` counts, streamed (``query``'s sort
        and window are ignored): only the columns and JSON fields statistics need."""

    def users(self) -> list[User]: ...

    def user_by_name(self, username: str) -> User | None: ...

    def audit_entries(self, record_id: str | None = None, limit: int | None = None) -> list[AuditEntry]: ...


class KeyStore(Protocol):
    """The per-user wrappings of the store's data key (outside the encrypted database)."""

    def add_user(self, user_id: str, username: str, passphrase: str) -> None: ...

    def set_passphrase(self, user_id: str, username: str, passphrase: str) -> None: ...

    def remove_user(self, user_id: str) -> None: ...

    def usernames(self) -> Sequence[str]: ...


# --- sync (SYNC.md): the device's side, implemented by storage.sync_state.SyncState ----------

class Outgoing(NamedTuple):
    """A field write to pack: the outbox row it comes from and the scope it goes to
    (None: a record that is not synced, such as a user or the service directory)."""

    outbox_seq: int
    scope: str | None
    write: Write


class ApplyResult(NamedTuple):
    """What receiving one envelope did."""

    applied: int  # writes that changed a field register
    ignored: int  # writes already known, superseded, of this device, or of a type not synced
    new_conflicts: int  # fields that now hold two or more concurrent values
    waiting: int = 0  # records still incomplete (their creation not received yet): kept, not shown


@dataclass(frozen=True)
class Conflict:
    """A field with concurrent values, each with who wrote it, when and on which device."""

    record_type: str
    record_id: str
    case_id: str | None
    case_number: str | None
    scope_id: str | None
    field: str
    writes: tuple[Write, ...]


class SyncStore(Protocol):
    """Sync configuration, keys, envelopes and merging, inside the encrypted store."""

    def config(self) -> dict[str, str]: ...

    def set_config(self, **values: str) -> None: ...

    def secret(self, name: str) -> bytes | None: ...

    def set_secret(self, name: str, raw: bytes) -> None: ...

    def scope_keys(self) -> dict[tuple[str, int], bytes]: ...

    def put_scope_key(self, scope: str, epoch: int, key: bytes) -> None: ...

    def certificates(self) -> dict[str, str]: ...

    def put_certificates(self, certs: dict[str, str]) -> None: ...

    def erase_keys(self) -> None: ...

    def pending(self, limit: int) -> tuple[list[Outgoing], int]: ...

    def next_envelope_seq(self) -> int: ...

    def pending_audit(self, limit: int) -> tuple[list[Outgoing], int]: ...

    def save_envelopes(self, envelopes: list[tuple[int, str, int, str]], packed_upto: int | None,
                       audit_upto: int | None = None) -> None: ...

    def unsent(self, limit: int) -> list[tuple[int, str]]: ...

    def envelopes_since(self, seq: int) -> list[tuple[int, str]]: ...

    def mark_pushed(self, upto_seq: int) -> None: ...

    def feed_cursor(self) -> int: ...

    def set_feed_cursor(self, cursor: int) -> None: ...

    def applied(self, device: str, seq: int) -> bool: ...

    def apply(self, device: str, seq: int, writes: list[Write], cursor: int | None = None,
              scope: str | None = None) -> ApplyResult: ...

    def hold(self, device: str, seq: int, envelope_json: str, reason: str) -> None: ...

    def held(self) -> list[tuple[str, int, str]]: ...

    def release(self, device: str, seq: int) -> None: ...

    def conflicts(self, scope_ids: set[str] | None = None) -> list[Conflict]: ...

    def register(self, record_type: str, record_id: str, field: str) -> Register: ...
