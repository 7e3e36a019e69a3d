"""Unlocking a store from the command line: user, passphrase, the growing delay."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from app.errors import UnlockThrottled
from i18n import gettext_for, language_from_environment
from ui.composition import Services, services_for, vault_at

_ = gettext_for(language_from_environment(default="en"))


class CliError(Exception):
    """A refusal of the command line itself (bad flag values, no passphrase …)."""


def read_secret(prompt: str, env: str = "HIMAYA_PASSPHRASE", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(_("No passphrase: set {env} or run in a terminal.").format(env=env))
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Repeat it: ")) != first:
        raise CliError(_("The two passphrases differ."))
    return first


@contextmanager
def unlocked(args: argparse.Namespace) -> Iterator[Services]:
    """The store unlocked for one command, locked again whatever happens."""
    services = unlock(args)
    try:
        yield services
    finally:
        services.lock()


def unlock(args: argparse.Namespace) -> Services:
    vault = vault_at(args.store)
    names = vault.usernames()
    username = args.user or os.environ.get("HIMAYA_USER")
    if not username:
        if len(names) != 1:
            raise CliError(_("Several users share this store; choose one with --user."))
        username = names[0]
    passphrase = read_secret(_("Passphrase for {user}: ").format(user=username))
    for _attempt in range(2):
        try:
            return services_for(vault.unlock(username, passphrase))
        except UnlockThrottled as exc:
            seconds = int(exc.params["seconds"])
            print(_("Too many failed attempts: waiting {seconds} s …").format(seconds=seconds), file=sys.stderr)
            time.sleep(seconds)
    return services_for(vault.unlock(username, passphrase))


