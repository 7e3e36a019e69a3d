"""The secretariat's publications take effect on the field devices, through a real hub.

The secretariat publishes a service directory and a checklist revision; after its next
sync a field device's referral directory lists the published providers and a new screening
starts on the published checklist version (one already started keeps its version), also
after the store is locked and unlocked again. A publication signed with the realm's key
but not readable is refused on the device with its reason and changes nothing; the
secretariat's own tools never publish one (the command line checks the file first).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Callable, Iterator

import pytest
from hubkit import RunningHub
from test_client_sync import PASSPHRASE, Net, _join, _register, _store

from app.domain.audit import AuditAction
from app.domain.referral import Provider
from app.domain.values import Role
from app.resources import load_json, resources_dir
from storage.vault import Vault
from sync import admin
from ui.composition import Services, services_for

sqlite_only = pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
BORDER = "border-short"


@pytest.fixture
def net(hub: RunningHub, tmp_path: Path) -> Iterator[Net]:
    """The secretariat and two field laptops (A, B) of scope north, as in test_client_sync."""
    sec = _store(tmp_path / "sec", "nadia.sec", Role.SECRETARIAT, "national")
    a = _store(tmp_path / "a", "sara.sup", Role.SUPERVISOR)
    b = _store(tmp_path / "b", "omar.sup", Role.SUPERVISOR)
    network = Net(hub, sec, a, b)
    try:
        sec.sync.create_realm(hub.url, hub.pin, hub.admin_code)
        _join(hub, sec, a, "Tangier laptop")
        _join(hub, sec, b, "Nador laptop")
        yield network
    finally:
        for svc in (network.sec, network.a, network.b):
            svc.lock()


def directory(*names: str) -> bytes:
    template = load_json("services/directory.json")["providers"][0]
    providers = [{**template, "id": f"0000000{i}-0000-4000-8000-00000000000{i}", "name_fr": name}
                 for i, name in enumerate(names, start=1)]
    return json.dumps({"providers": providers}, ensure_ascii=False).encode("utf-8")


def checklist(version: object, **changes: object) -> bytes:
    document = json.loads((resources_dir() / "checklists" / "border-short.v1.json").read_text(encoding="utf-8"))
    document.update(version=version, **changes)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def listed(svc: Services) -> set[str]:
    return {hit.provider.name_fr for hit in svc.referrals.providers(svc.session)}


def actions(svc: Services) -> list[str]:
    return [e.event.action for e in svc.opened.store.audit_entries()]


@sqlite_only
def test_published_directory_and_checklist_take_effect_on_a_field_device(net: Net, tmp_path: Path) -> None:
    shipped = listed(net.a)
    assert len(shipped) > 10  # the sample directory until the secretariat publishes one
    net.sync(net.a)
    case = _register(net.a)
    started_before = net.a.screenings.start(net.a.session, case.id, BORDER)
    assert started_before.checklist_version == 1

    assert net.sec.sync.publish("directory", directory("Centre Tanger", "Centre Nador")) == 1
    assert net.sec.sync.publish("checklist", checklist(2), source="border-short.v2.json") == 1
    net.sync(net.a)

    assert listed(net.a) == {"Centre Tanger", "Centre Nador"}
    assert not any(p.sample for p in net.a.opened.store.all_records(Provider) if p.active)
    started_after = net.a.screenings.start(net.a.session, case.id, BORDER)
    assert started_after.checklist_version == 2
    assert net.a.screenings.checklist_of(started_before).version == 1
    assert AuditAction.DIRECTORY_PUBLISHED_APPLIED in actions(net.a)
    assert AuditAction.CHECKLIST_PUBLISHED_APPLIED in actions(net.a)
    # the checklist is kept inside the encrypted store only, not in a file next to it
    assert net.a.sync.state.config()["published_checklists"]
    assert not any(b"border-short" in f.read_bytes() for f in (tmp_path / "a").rglob("*") if f.is_file())

    # a second sync with nothing new does nothing again
    before = actions(net.a).count(AuditAction.DIRECTORY_PUBLISHED_APPLIED)
    net.sync(net.a)
    assert actions(net.a).count(AuditAction.DIRECTORY_PUBLISHED_APPLIED) == before

    # locked and unlocked again: the same directory and checklist
    user = net.a.session.user.username
    net.a.lock()
    net.a = services_for(Vault(tmp_path / "a").unlock(user, PASSPHRASE))
    assert listed(net.a) == {"Centre Tanger", "Centre Nador"}
    assert net.a.screenings.start(net.a.session, case.id, BORDER).checklist_version == 2


@sqlite_only
def test_a_signed_but_unreadable_publication_is_refused_and_changes_nothing(net: Net) -> None:
    net.sec.sync.publish("directory", directory("Centre Tanger"))
    net.sync(net.a)
    assert listed(net.a) == {"Centre Tanger"}
    providers = net.a.opened.store.all_records(Provider)

    # signed with the realm's key, as only the secretariat can, but not a directory or a checklist
    assert admin.publish(net.sec.sync.state, "directory", b'{"providers": [{"id": "x"}]}',
                         session=net.sec.session) == 2
    assert admin.publish(net.sec.sync.state, "checklist", b'{"id": "border-short", "version": 3}',
                         session=net.sec.session) == 1
    result = net.a.sync.sync()
    assert result.error is not None
    assert "the published directory (version 2) was refused: 1.name_ar" in result.error
    assert "the published checklist (version 1) was refused: " in result.error
    assert net.a.sync.status().last_result.startswith("the published")
    assert result.error_code == "publication_refused" == net.a.sync.status().last_error_code
    assert sorted(net.a.opened.store.all_records(Provider), key=lambda p: p.id) == \
        sorted(providers, key=lambda p: p.id)
    assert net.a.screenings.library.latest(BORDER).version == 1
    assert actions(net.a).count(AuditAction.PUBLICATION_REFUSED) == 2
    assert net.a.sync.sync().error is None  # refused once, not at every sync

    # an older version served again is ignored: only a newer one counts
    received = json.loads(net.a.sync.publication("directory"))
    old = directory("Old centre")
    net.a.sync.state.set_config(publication_directory=json.dumps({
        **received, "version": 1, "payload": base64.b64encode(old).decode()}))
    assert net.a.publications.apply_received() == []
    assert listed(net.a) == {"Centre Tanger"}

    # the corrected one, published next, is put in effect
    net.sec.sync.publish("directory", directory("Centre Tanger", "Centre Oujda"))
    net.sync(net.a)
    assert listed(net.a) == {"Centre Tanger", "Centre Oujda"}


@sqlite_only
def test_the_secretariat_never_publishes_a_malformed_file(hub: RunningHub, net: Net) -> None:
    from app.errors import ChecklistInvalid, ValidationError

    with pytest.raises(ValidationError):
        net.sec.sync.publish("directory", b'{"providers": [{"id": "x"}]}')
    with pytest.raises(ChecklistInvalid):
        net.sec.sync.publish("checklist", checklist("one"))
    with pytest.raises(ChecklistInvalid, match="already installed"):  # the shipped version, changed
        net.sec.sync.publish("checklist", checklist(1, title={"ar": "فحص", "fr": "Autre", "en": "Other"}))
    net.sync(net.a)
    assert net.a.sync.publication("directory") == net.a.sync.publication("checklist") == ""


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """``himaya-cli --store S …`` in this process, in English (as in test_sync_cli_hub)."""
    from i18n import gettext_for
    from ui.cli import commands, main as cli_main, session

    english = gettext_for("en")
    for module in (session, commands, cli_main):
        monkeypatch.setattr(module, "_", english)
    monkeypatch.setenv("HIMAYA_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("HIMAYA_USER", raising=False)

    def invoke(store: Path, *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = cli_main.main(["--store", str(store), *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@sqlite_only
def test_the_command_line_refuses_to_publish_a_malformed_file(hub: RunningHub, tmp_path: Path, cli) -> None:  # noqa: ANN001
    sec = tmp_path / "sec"
    _store(sec, "nadia.sec", Role.SECRETARIAT, "national").lock()
    code, out, err = cli(sec, "realm", "create", hub.url, "--pin", hub.pin, "--admin-code", hub.admin_code)
    assert code == 0, err
    files = {
        "no-arabic.json": (checklist(2, title={"ar": "Screening", "fr": "Repérage", "en": "Screening"}), "title.ar"),
        "old-version.json": (checklist(1, title={"ar": "فحص", "fr": "Autre", "en": "Other"}), "already installed"),
        "broken.json": (b'{"id": "border-short", ', "not valid JSON"),
    }
    for name, (payload, says) in files.items():
        (tmp_path / name).write_bytes(payload)
        code, _out, err = cli(sec, "publish", "checklist", str(tmp_path / name))
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 1 and len(lines) == 1 and says in lines[0] and "Traceback" not in err, (name, err)
    (tmp_path / "directory.json").write_bytes(b'{"providers": [{"id": "x", "name_fr": "Centre"}]}')
    code, _out, err = cli(sec, "publish", "directory", str(tmp_path / "directory.json"))
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    # nothing reached the hub: the first good files published are version 1
    (tmp_path / "good-directory.json").write_bytes(directory("Centre Tanger"))
    (tmp_path / "good-checklist.json").write_bytes(checklist(2))
    for kind in ("directory", "checklist"):
        code, out, err = cli(sec, "publish", kind, str(tmp_path / f"good-{kind}.json"))
        assert code == 0 and f"Published the {kind}, version 1." in out, err
