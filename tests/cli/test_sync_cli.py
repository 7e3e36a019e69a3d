"""``himaya-cli`` sync commands that refuse without a hub: exit codes and one-line reasons.

The commands working against a real hub are in tests/sync/test_sync_cli_hub.py.
"""

from __future__ import annotations

from pathlib import Path


def test_sync_on_a_store_never_enrolled_says_so(cli, refused, store: Path) -> None:
    refused(cli(store, "sync"), says="not enrolled")
    status = cli(store, "sync", "status")
    assert status.code == 0 and "Not enrolled" in status.out
    as_json = cli(store, "sync", "status", "--json")
    assert as_json.code == 0 and as_json.json()["configured"] is False


def test_the_secretariats_commands_are_refused_to_a_supervisor(cli, refused, store: Path, tmp_path: Path) -> None:
    refused(cli(store, "device", "list"), says="does not allow")
    refused(cli(store, "device", "invite", "--name", "laptop", "--scope", "north"), says="does not allow")
    refused(cli(store, "device", "approve", "dev-1"), says="does not allow")
    refused(cli(store, "device", "revoke", "dev-1"), says="does not allow")
    checklist = tmp_path / "checklist.json"
    checklist.write_text("{}")
    refused(cli(store, "publish", "checklist", str(checklist)), says="does not allow")
    refused(cli(store, "realm", "create", "https://127.0.0.1:9", "--pin", "sha256:" + "0" * 64,
                "--admin-code", "x"), says="does not allow")


def test_bundles_need_an_enrolled_device_and_a_real_file(cli, refused, store: Path, tmp_path: Path) -> None:
    refused(cli(store, "bundle", "export", str(tmp_path / "out.bundle")), says="not enrolled")
    assert not (tmp_path / "out.bundle").exists()
    refused(cli(store, "bundle", "export", str(tmp_path / "no-folder" / "out.bundle")), says="No folder")
    refused(cli(store, "bundle", "import", str(tmp_path / "missing.bundle")), says="No bundle file")
    junk = tmp_path / "junk.bundle"
    junk.write_text("not a bundle")
    refused(cli(store, "bundle", "import", str(junk)), says="not enrolled")


def test_enrol_refuses_a_bad_pin_and_an_unreachable_hub_in_one_line(cli, refused, store: Path) -> None:
    refused(cli(store, "enrol", "https://127.0.0.1:9", "--pin", "12345", "--code", "abc"), says="pin")
    refused(cli(store, "enrol", "https://127.0.0.1:9", "--pin", "sha256:" + "0" * 64, "--code", "abc"),
            says="cannot be reached")
    status = cli(store, "sync", "status", "--json")
    assert status.json()["configured"] is False  # nothing was kept of a refused enrolment


def test_bad_usage_is_exit_2(cli, refused, store: Path) -> None:
    refused(cli(store, "device"), code=2)
    refused(cli(store, "publish", "poster", "x.json"), code=2)
    refused(cli(store, "enrol", "https://hub"), code=2)
