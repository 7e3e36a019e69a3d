"""``user add``, ``user list``, ``user passwd``, ``user disable`` and who may use them."""

from __future__ import annotations

from clikit import OFFICER, OFFICER_PASS, OFFICER_POST, SUPERVISOR, SUPERVISOR_PASS, WORKER, WORKER_PASS

NEW_PASS = "harbour gulls circle the old medina 5"


def test_add_list_passwd_disable(store, cli, cli_proc, refused):
    added = cli_proc(store, "user", "add", WORKER, "--role", "social_worker", "--display-name", "Youssef El Idrissi",
                     new_passphrase=WORKER_PASS)
    assert added.code == 0, added.err
    assert added.out.strip() == f"Added {WORKER} (social_worker)."
    officer = cli(store, "--user", SUPERVISOR, "user", "add", OFFICER, "--role", "border_officer",
                  "--border-post", OFFICER_POST, new_passphrase=OFFICER_PASS)
    assert officer.code == 0, officer.err

    listed = cli_proc(store, "--user", SUPERVISOR, "user", "list", "--json")
    assert listed.code == 0, listed.err
    users = {u["hmy_Username"]: u for u in listed.json()}
    assert set(users) == {SUPERVISOR, WORKER, OFFICER}
    assert users[WORKER]["hmy_Role"] == "social_worker"
    assert users[WORKER]["hmy_DisplayName"] == "Youssef El Idrissi"
    assert users[WORKER]["hmy_ScopeId"] == "north"  # the supervisor's scope
    assert users[OFFICER]["hmy_Role"] == "border_officer"
    assert users[OFFICER]["hmy_BorderPost"] == OFFICER_POST
    assert users[SUPERVISOR]["hmy_Role"] == "supervisor"
    assert not any(u["hmy_Disabled"] for u in users.values())

    # several users now share the store: the command line asks which one
    refused(cli(store, "case", "list"), says="Several users share this store; choose one with --user.")
    # each new user can unlock with their own passphrase
    assert cli(store, "--user", WORKER, "case", "list", passphrase=WORKER_PASS).code == 0

    # a supervisor resets the worker's passphrase: the old one stops working, the new one works
    reset = cli(store, "--user", SUPERVISOR, "user", "passwd", WORKER, new_passphrase=NEW_PASS)
    assert reset.code == 0 and reset.out.strip() == f"Passphrase changed for {WORKER}.", reset.err
    refused(cli(store, "--user", WORKER, "case", "list", passphrase=WORKER_PASS),
            says="Wrong user name or passphrase.")
    assert cli(store, "--user", WORKER, "case", "list", passphrase=NEW_PASS).code == 0

    # disabling: the user can no longer unlock (child process, as a user would meet it)
    disabled = cli(store, "--user", SUPERVISOR, "user", "disable", WORKER)
    assert disabled.code == 0, disabled.err
    assert "Disabled youssef" in disabled.out
    locked_out = cli_proc(store, "--user", WORKER, "case", "list", passphrase=NEW_PASS)
    assert refused(locked_out) == "error: Wrong user name or passphrase."
    text = cli(store, "--user", SUPERVISOR, "user", "list")
    assert text.code == 0
    worker_line = next(line for line in text.out.splitlines() if line.startswith(WORKER))
    assert "disabled" in worker_line.split()
    refused(cli(store, "--user", SUPERVISOR, "user", "passwd", WORKER, new_passphrase=NEW_PASS),
            says="This user is disabled.")


def test_user_changes_own_passphrase(store, cli, refused):
    changed = cli(store, "user", "passwd", SUPERVISOR, new_passphrase=NEW_PASS)
    assert changed.code == 0, changed.err
    refused(cli(store, "case", "list"), says="Wrong user name or passphrase.")  # the old passphrase
    assert cli(store, "case", "list", passphrase=NEW_PASS).code == 0


def test_border_officer_cannot_manage_users(team_store, cli_proc, cli, refused):
    result = cli_proc(team_store, "--user", OFFICER, "user", "add", "zineb", "--role", "social_worker",
                      passphrase=OFFICER_PASS, new_passphrase=NEW_PASS)
    refused(result, says="Your role (Border officer) does not allow this: manage the users of this device.")
    for args in (("user", "list"), ("user", "disable", WORKER), ("user", "passwd", WORKER)):
        refused(cli(team_store, "--user", OFFICER, *args, passphrase=OFFICER_PASS, new_passphrase=NEW_PASS),
                says="Your role (Border officer) does not allow this")
    users = cli(team_store, "--user", SUPERVISOR, "user", "list", "--json").json()
    assert sorted(u["hmy_Username"] for u in users) == sorted([SUPERVISOR, WORKER, OFFICER])
    assert not any(u["hmy_Disabled"] for u in users)


def test_user_refusals(shared_store, cli, refused):
    store = shared_store
    refused(cli(store, "user", "add", "weak.one", "--role", "social_worker", new_passphrase="password"),
            says="This passphrase is too weak")
    refused(cli(store, "user", "passwd", SUPERVISOR, new_passphrase="salma salma salma"),
            says="This passphrase is too weak")
    refused(cli(store, "user", "add", "nobody", "--role", "social_worker"),
            says="No passphrase: set HIMAYA_NEW_PASSPHRASE or run in a terminal.")
    refused(cli(store, "user", "add", SUPERVISOR, "--role", "social_worker", new_passphrase=NEW_PASS),
            says="username: This user name is taken.")
    refused(cli(store, "user", "add", "aziz", "--role", "king", new_passphrase=NEW_PASS),
            says="'king' is not one of border_officer, social_worker, supervisor, secretariat")
    refused(cli(store, "user", "add", "aziz", "--role", "secretariat", new_passphrase=NEW_PASS),
            says="manage secretariat users")
    refused(cli(store, "user", "add", "aziz", "--role", "social_worker", "--scope", "south", new_passphrase=NEW_PASS),
            says="add users to another scope")
    refused(cli(store, "user", "add", "aziz", "--role", "border_officer", "--border-post", "NOPE",
                new_passphrase=NEW_PASS), says="border_post")
    refused(cli(store, "user", "disable", "nobody"), says="No user with the id nobody")
    refused(cli(store, "user", "disable", SUPERVISOR), says="You cannot disable yourself.")
    refused(cli(store, "user", "add", "aziz"), code=2, says="--role")
    users = cli(store, "user", "list", "--json").json()
    assert [u["hmy_Username"] for u in users] == [SUPERVISOR]
    assert cli(store, "case", "list", passphrase=SUPERVISOR_PASS).code == 0
