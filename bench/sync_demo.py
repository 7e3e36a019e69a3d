"""``./dev sync-demo``: a hub, the secretariat and two field laptops, in one command.

Everything happens in a temporary folder deleted at the end: a hub is initialised and served
over TLS on a free loopback port; the secretariat's store creates the realm; two laptops
(supervisors of scope north) enrol with one-time codes and are approved; a case made on
laptop A reaches laptop B; both then change the same field without a network, sync, and the
conflict is printed as laptop B shows it: both values, who wrote each, when and where.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "demo passphrase for the sync demo 42"


def _say(text: str) -> None:
    print(text, flush=True)


def _hub(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "sync.hub", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"himaya-hub {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(data: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    log = open(data / "serve.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "sync.hub", "serve", "--data", str(data), "--port", str(port),
                                "--log-level", "warning"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cadata=(data / "ca.pem").read_text())
    deadline = time.monotonic() + 30
    with httpx.Client(verify=context, timeout=2) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(url + "/v1/health").status_code == 200:
                    return process, url
            except httpx.TransportError:
                time.sleep(0.1)
    process.terminate()
    raise SystemExit("the hub did not start: " + (data / "serve.log").read_text(errors="replace")[-2000:])


def _store(folder: Path, username: str, display: str, role: object, scope: str):  # noqa: ANN202
    from app.domain.user import User
    from storage.vault import Vault
    from ui.composition import services_for

    user = User(str(uuid.uuid4()), username, display, role, scope, datetime.now(timezone.utc).replace(microsecond=0))
    return services_for(Vault(folder).create(user, PASSPHRASE))


def _synced(svc, who: str) -> None:  # noqa: ANN001
    result = svc.sync.sync()
    if result.error:
        raise SystemExit(f"{who}: sync failed: {result.error}")
    _say(f"  {who}: sent {result.pushed}, received {result.pulled}, conflicts {result.conflicts}")


def run(folder: Path) -> None:
    from app.domain.case import Case
    from app.domain.person import Person
    from app.domain.values import Role

    data = folder / "hub"
    info = json.loads(_hub("init", "--data", str(data), "--json"))
    _say(f"Hub initialised; CA pin {info['pin']}")
    process, url = _serve(data)
    stores = []
    try:
        _say(f"Hub serving at {url}")
        sec = _store(folder / "secretariat", "nadia.sec", "Nadia (secretariat)", Role.SECRETARIAT, "national")
        a = _store(folder / "laptop-a", "sara.sup", "Sara (Tangier)", Role.SUPERVISOR, "north")
        b = _store(folder / "laptop-b", "omar.sup", "Omar (Nador)", Role.SUPERVISOR, "north")
        stores = [sec, a, b]
        realm = sec.sync.create_realm(url, info["pin"], info["admin_code"])
        _say(f"Secretariat created realm {realm.realm}")
        for svc, name in ((a, "Laptop A (Tangier)"), (b, "Laptop B (Nador)")):
            code = sec.sync.invite(name, ["north"])
            enrolled = svc.sync.enrol(url, info["pin"], code, name)
            sec.sync.approve(enrolled.device, expect_fingerprint=enrolled.fingerprint)
            _say(f"{name} enrolled and approved (fingerprint {enrolled.fingerprint})")
        _synced(a, "laptop A")
        _synced(b, "laptop B")

        person = Person(str(uuid.uuid4()), first_name="Aminata", second_name="Traore", first_name_ar="أميناتا")
        case = a.cases.register(a.session, person, border_post="TNG-MED")
        _say(f"Laptop A registered case {case.case_number}")
        _synced(a, "laptop A")
        _synced(b, "laptop B")
        seen = b.opened.store.get(Case, case.id)
        _say(f"Laptop B now has case {seen.case_number if seen else '(missing!)'}")

        _say("Offline, both laptops change the case's office:")
        a.cases.update_case(a.session, case.id, office="Tangier social services office")
        b.cases.update_case(b.session, case.id, office="Nador provincial office")
        _synced(a, "laptop A")
        _synced(b, "laptop B")
        _synced(a, "laptop A")

        conflicts = b.sync.state.conflicts()
        _say(f"\nLaptop B shows {len(conflicts)} conflict(s) for a supervisor to resolve:")
        devices = {a.sync.status().device: "laptop A", b.sync.status().device: "laptop B"}
        for conflict in conflicts:
            _say(f"  case {conflict.case_number}, field {conflict.field}:")
            for write in conflict.writes:
                where = devices.get(write.dot[0], write.dot[0])
                _say(f"    {write.value!r:40} by {write.actor or '?'} on {where} at {write.written_at}")
        if not conflicts:
            raise SystemExit("expected a conflict, found none")
    finally:
        for svc in stores:
            svc.lock()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    os.environ.setdefault("HIMAYA_KDF", "minimum")  # throw-away demo stores: quick key derivation
    with tempfile.TemporaryDirectory(prefix="himaya-sync-demo-") as folder:
        run(Path(folder))
    _say("\nDone; the demo hub and stores were deleted.")


if __name__ == "__main__":
    main()
