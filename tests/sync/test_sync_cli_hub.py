"""``himaya-cli`` sync commands against a real hub: the secretariat and a laptop, end to end.

Exit 0 with a short report when the work is done; exit 1 and exactly one line on standard
error when it is refused (a revoked device, a bundle imported twice is not a refusal).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pytest
from hubkit import RunningHub

from app.domain.user import User
from app.domain.values import Role
from storage.vault import Vault

PASSPHRASE = "cedar harbour lantern 7 violet"


def _make(folder: Path, username: str, role: Role, scope: str) -> Path:
    user = User(str(uuid.uuid4()), username, username.title(), role, scope,
                datetime.now(timezone.utc).replace(microsecond=0))
    Vault(folder).create(user, PASSPHRASE).lock()
    return folder


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
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


def _one_line(result: tuple[int, str, str], says: str) -> None:
    code, _out, err = result
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and says in lines[0] and "Traceback" not in err, result


@pytest.mark.parametrize("hub", ["sqlite"], indirect=True)
def test_the_sync_commands_from_realm_to_revocation(hub: RunningHub, tmp_path: Path, run) -> None:  # noqa: ANN001
    sec = _make(tmp_path / "sec", "nadia.sec", Role.SECRETARIAT, "national")
    laptop = _make(tmp_path / "laptop", "sara.sup", Role.SUPERVISOR, "north")

    code, out, _err = run(sec, "realm", "create", hub.url, "--pin", hub.pin, "--admin-code", hub.admin_code)
    assert code == 0 and "Created the realm" in out
    _one_line(run(sec, "realm", "create", hub.url, "--pin", hub.pin, "--admin-code", hub.admin_code),
              "already enrolled")
    code, out, err = run(sec, "device", "invite", "--name", "Tangier laptop", "--scope", "north")
    assert code == 0 and "shown only now" in err
    invite = out.strip()
    _one_line(run(laptop, "enrol", hub.url, "--pin", hub.pin, "--code", "wrong-code", "--name", "Tangier laptop"),
              "bad_code")
    assert json.loads(run(laptop, "sync", "status", "--json")[1])["configured"] is False
    code, out, _err = run(laptop, "enrol", hub.url, "--pin", hub.pin, "--code", invite, "--name", "Tangier laptop")
    assert code == 0 and "Fingerprint" in out
    _one_line(run(laptop, "sync"), "approval")

    code, out, _err = run(sec, "device", "list", "--json")
    assert code == 0
    pending = [d for d in json.loads(out) if d["status"] == "pending"]
    assert [d["name"] for d in pending] == ["Tangier laptop"]
    device = pending[0]["device"]
    _one_line(run(sec, "device", "approve", device, "--fingerprint", "0000-0000"), "fingerprint")
    code, out, _err = run(sec, "device", "approve", device, "--fingerprint", pending[0]["fingerprint"])
    assert code == 0 and "Approved" in out
    code, out, _err = run(sec, "device", "list")
    assert code == 0 and device in out and "approved" in out

    code, out, _err = run(laptop, "sync")
    assert code == 0 and out.startswith("Sent 1, received 0")  # its audit entries, for the secretariat
    code, out, _err = run(laptop, "case", "add", "--first-name", "Aminata", "--second-name", "Traore",
                          "--sex", "Female", "--border-post", "TNG-MED")
    assert code == 0, _err
    code, out, _err = run(laptop, "sync")
    assert code == 0 and out.startswith("Sent 2,")  # the case, and the audit entries since
    code, out, _err = run(laptop, "sync", "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["status"] == "approved" and status["scopes"] == ["north"]

    bundle = tmp_path / "laptop.himaya-bundle"
    code, out, _err = run(laptop, "bundle", "export", str(bundle))
    exported = int(out.split()[0])  # the case and the audit entries of each run so far
    assert code == 0 and bundle.is_file() and exported >= 3
    code, out, _err = run(sec, "bundle", "import", str(bundle))
    assert code == 0 and out.startswith(f"Applied {exported} envelopes")
    code, out, _err = run(sec, "bundle", "import", str(bundle))
    assert code == 0 and out.startswith(f"Applied 0 envelopes, {exported} already here")
    code, out, _err = run(sec, "case", "list", "--json")
    assert code == 0 and len(json.loads(out)["cases"]) == 1

    directory = tmp_path / "directory.json"
    directory.write_text('{"providers": "not a list"}')
    _one_line(run(sec, "publish", "directory", str(directory)), "directory")

    code, out, _err = run(sec, "device", "revoke", device)
    assert code == 0 and "north" in out
    _one_line(run(laptop, "sync"), "its store were erased")  # the remote wipe
    assert not (laptop / "keys.json").exists() and not list(laptop.glob("himaya.db*"))
    _one_line(run(laptop, "sync", "status", "--json"), "no Himaya store")
