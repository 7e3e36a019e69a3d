"""The one place that builds storage objects and hands them to the services.

Both front ends (the desktop app and ``himaya-cli``) go through here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.screening.checklist import default_library
from app.services.cases import CaseService
from app.services.conflicts import ConflictService
from app.services.exports import ExportService
from app.services.publications import PublicationService
from app.services.referrals import ReferralService
from app.services.screening import ScreeningService
from app.services.search import SearchService
from app.services.statistics import StatisticsService
from app.services.users import UserService
from storage.sync_state import SyncState
from storage.vault import OpenStore, Vault
from sync.service import SyncService


def default_store_dir() -> Path:
    """``HIMAYA_STORE``, else the user's data folder (``$XDG_DATA_HOME/himaya/store``)."""
    if os.environ.get("HIMAYA_STORE"):
        return Path(os.environ["HIMAYA_STORE"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "himaya" / "store"


def vault_at(folder: Path | str | None) -> Vault:
    return Vault(Path(folder) if folder else default_store_dir())


@dataclass
class Services:
    """The services of an unlocked store, bound to the session of who unlocked it."""

    opened: OpenStore
    cases: CaseService
    users: UserService
    screenings: ScreeningService
    referrals: ReferralService
    search: SearchService
    exports: ExportService
    statistics: StatisticsService
    conflicts: ConflictService  # sync conflicts, settled by supervisors
    sync: SyncService  # sync with the hub, enrolment, the secretariat's devices, bundles
    publications: PublicationService  # the secretariat's directory and checklists, put in effect after a sync

    @property
    def session(self):  # noqa: ANN201 - app.domain.user.Session
        return self.opened.session

    def lock(self) -> None:
        self.opened.lock()


def services_for(opened: OpenStore) -> Services:
    cases = CaseService(opened.store)
    referrals = ReferralService(opened.store, cases)
    screenings = ScreeningService(opened.store, default_library())
    publications = PublicationService(SyncState(opened.store), referrals, screenings)
    publications.load()  # checklists published before
    publications.apply_received()  # one received but not yet in effect (a sync cut short)
    referrals.seed_directory()  # the shipped sample directory, until the secretariat publishes one
    return Services(opened, cases, UserService(opened.store, opened.keys),
                    screenings, referrals, SearchService(opened.store, cases),
                    exports=ExportService(opened.store, cases, referrals, screenings),
                    conflicts=ConflictService(SyncState(opened.store), cases),
                    statistics=StatisticsService(opened.store, cases),
                    sync=SyncService(SyncState(opened.store), opened.session,
                                     after_sync=lambda: [o.warning for o in publications.apply_received() if o.warning],
                                     checklists=lambda: screenings.library, wipe=opened.wipe),
                    publications=publications)
