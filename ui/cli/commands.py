"""The sub-commands of ``himaya-cli``. Each handler returns an exit code (or None for 0)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from app.domain.codec import encode, to_fields
from app.domain.person import Person
from app.domain.user import User
from app.domain.values import STATE_LABELS, CaseState, ClosureReason, ConsentDecision, ConsentKind, OverrideBasis, Role, Sex
from app.errors import NotFound, StoreExists
from app.ports import CaseQuery
from app.domain.audit import ALTERED, LINK_BROKEN, MISSING
from app.services import audit as audit_service
from storage.sync_state import SyncState
from ui.cli import export_commands, referral_commands, screening_commands, search_commands
from ui.cli.session import CliError, _, read_secret, unlocked
from ui.composition import Services, vault_at


def _out(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _choice(enum: type, raw: str) -> Any:
    try:
        return enum.parse(raw)
    except ValueError as exc:
        raise CliError(str(exc)) from None


# --- init and users -----------------------------------------------------------------------

def cmd_init(args: argparse.Namespace) -> int:
    vault = vault_at(args.store)
    role = _choice(Role, args.role)
    if role not in (Role.SUPERVISOR, Role.SECRETARIAT):
        raise CliError(_("The first user of a store is a supervisor or the secretariat."))
    user = User(id=str(uuid.uuid4()), username=args.username, display_name=args.display_name or args.username,
                role=role, scope_id=args.scope, created_at=datetime.now(timezone.utc).replace(microsecond=0),
                border_post=args.border_post)
    if vault.exists():
        raise StoreExists(path=str(vault.folder))
    passphrase = read_secret(_("New passphrase for {user}: ").format(user=user.username), confirm=True)
    opened = vault.create(user, passphrase)
    opened.lock()
    print(_("Created an encrypted store in {path} with the user {user}.").format(path=vault.folder, user=user.username))
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        passphrase = read_secret(_("Passphrase for the new user {user}: ").format(user=args.username),
                                 env="HIMAYA_NEW_PASSPHRASE", confirm=True)
        user = svc.users.add_user(svc.session, username=args.username, display_name=args.display_name or args.username,
                                  role=_choice(Role, args.role), passphrase=passphrase, scope_id=args.scope,
                                  border_post=args.border_post)
        print(_("Added {user} ({role}).").format(user=user.username, role=user.role.value))
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        users = svc.users.list_users(svc.session)
    if args.json:
        _out([{"id": u.id, **to_fields(u)} for u in users])
    else:
        for u in users:
            state = _("disabled") if u.disabled else _("active")
            print(f"{u.username:<20} {u.role.value:<15} {u.scope_id:<12} {u.border_post or '-':<12} {state}  {u.display_name}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        passphrase = read_secret(_("New passphrase for {user}: ").format(user=args.username),
                                 env="HIMAYA_NEW_PASSPHRASE", confirm=True)
        svc.users.set_passphrase(svc.session, args.username, passphrase)
        print(_("Passphrase changed for {user}.").format(user=args.username))
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        svc.users.disable(svc.session, args.username)
        print(_("Disabled {user}; their passphrase no longer opens this store.").format(user=args.username))
    return 0


# --- cases ----------------------------------------------------------------------------------

def _find_case_id(svc: Services, ref: str) -> str:
    rows = svc.cases.list_cases(svc.session, CaseQuery(text=ref, limit=5))
    for row in rows:
        if row.id == ref or row.case_number.lower() == ref.lower():
            return row.id
    try:
        if not _is_uuid(ref):
            return _missing(ref)
        return svc.cases.open_case(svc.session, ref, record_view=False).case.id  # just a lookup
    except NotFound:
        return _missing(ref)


def _date(raw: str, flag: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CliError(_("{flag} takes a date as YYYY-MM-DD, not {value!r}.").format(flag=flag, value=raw)) from None


def _missing(ref: str) -> str:
    raise NotFound(kind="case", ident=ref)


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def cmd_case_add(args: argparse.Namespace) -> int:
    person = Person(
        id=str(uuid.uuid4()), first_name=args.first_name, second_name=args.second_name,
        first_name_ar=args.first_name_ar, second_name_ar=args.second_name_ar,
        sex=_choice(Sex, args.sex), birth_year=args.birth_year, nationality=args.nationality,
        possibly_minor=True if args.possibly_minor else None,
        languages=tuple(args.language or ()),
    )
    detected = _date(args.detected_on, "--detected-on") if args.detected_on else None
    with unlocked(args) as svc:
        case = svc.cases.register(svc.session, person, border_post=args.border_post, office=args.office,
                                  detecting_agency=args.agency, detected_on=detected)
        search_commands.warn_duplicates(svc, case.id)  # on standard error; the case is opened anyway
    if args.json:
        _out({"id": case.id, **to_fields(case)})
    else:
        print(_("Opened case {number} ({id}).").format(number=case.case_number, id=case.id))
    return 0


def cmd_case_import(args: argparse.Namespace) -> int:
    from app.importing import parse
    entries = parse(Path(args.file).read_bytes())
    with unlocked(args) as svc:
        created = svc.cases.import_entries(svc.session, entries)
    print(_("Imported {count} cases.").format(count=len(created)))
    return 0


def cmd_case_list(args: argparse.Namespace) -> int:
    query = CaseQuery(
        states=frozenset(_choice(CaseState, s) for s in (args.state or ())),
        border_posts=frozenset(args.post or ()),
        text=args.text or "", limit=args.limit, offset=args.offset,
        sort=args.sort, descending=not args.ascending,
    )
    with unlocked(args) as svc:
        rows = svc.cases.list_cases(svc.session, query)
        total = svc.cases.count_cases(svc.session, query)
    if args.json:
        _out({"total": total, "cases": [encode(r.__dict__) for r in rows]})
        return 0
    for r in rows:
        name = " / ".join(n for n in (r.name_latin, r.name_ar) if n) or "—"
        print(f"{r.case_number:<24} {r.detected_on.isoformat()}  {r.state.value:<20} "
              f"{(r.border_post or '-'):<11} {(r.nationality or '--'):<3} {name}")
    print(_("{shown} of {total} cases").format(shown=len(rows), total=total), file=sys.stderr)
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        case_id = _find_case_id(svc, args.case)
        file = svc.cases.open_case(svc.session, case_id)
    data = {
        "case": {"id": file.case.id, **to_fields(file.case), "cas_Status": file.case.htcds_status},
        "person": {"id": file.person.id, **to_fields(file.person)},
        "risks": [{"id": r.id, **to_fields(r)} for r in file.risks],
        "consents": [{"id": c.id, **to_fields(c)} for c in file.consents],
        "notes": [{"id": n.id, **to_fields(n)} for n in file.notes],
        "next_steps": [t.target.value for t in file.moves],
    }
    if args.json:
        _out(data)
        return 0
    c, p = file.case, file.person
    # The labels are translated outside the f-strings: Babel does not extract calls inside
    # f-strings before Python 3.12, so the catalogs would otherwise depend on the Python used.
    name, sex, nationality, birth = _("Name"), _("Sex"), _("Nationality"), _("Birth")
    detected, agency, risk, consent = _("Detected"), _("Agency"), _("Risk"), _("Consent")
    note, next_steps = _("Note"), _("Next steps")
    print(f"{c.case_number}  [{_(STATE_LABELS[c.state])}]  {c.border_post or c.office}")
    print(f"  {name}: {p.display_name_latin or '—'} / {p.display_name_ar or '—'}")
    print(f"  {sex}: {p.sex.value}   {nationality}: {p.nationality or '—'}   "
          f"{birth}: {p.birth_date or p.birth_year or (p.age_band.value if p.age_band else '—')}")
    print(f"  {detected}: {c.detected_on}   {agency}: {c.detecting_agency or '—'}")
    for r in file.risks:
        flags = ", ".join(r.urgent_flags) or _("no urgent flag")
        print(f"  {risk} {r.assessed_at:%Y-%m-%d} ({r.stage.value}): {flags}")
    for k in file.consents:
        print(f"  {consent} {k.kind.value}: {k.decision.value}" + (f" → {k.provider}" if k.provider else "")
              + (f" [override: {k.override.value}]" if k.override else ""))
    for n in file.notes:
        print(f"  {note} {n.written_at:%Y-%m-%d %H:%M}: {n.text}")
    print(f"  {next_steps}: " + (", ".join(_(STATE_LABELS[t.target]) for t in file.moves) or "—"))
    return 0


def cmd_case_move(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        case_id = _find_case_id(svc, args.case)
        closure = _choice(ClosureReason, args.closure_reason) if args.closure_reason else None
        case = svc.cases.move(svc.session, case_id, _choice(CaseState, args.state), reason=args.reason,
                              closure_reason=closure, to_scope=args.to_scope)
    print(_("{number} is now: {state}").format(number=case.case_number, state=_(STATE_LABELS[case.state])))
    return 0


def cmd_case_consent(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        case_id = _find_case_id(svc, args.case)
        svc.cases.record_consent(
            svc.session, case_id, _choice(ConsentKind, args.kind), _choice(ConsentDecision, args.decision),
            provider=args.provider, override=_choice(OverrideBasis, args.override) if args.override else None,
            override_reason=args.override_reason, given_by_guardian=bool(args.guardian), guardian_name=args.guardian,
        )
    print(_("Consent recorded."))
    return 0


def cmd_case_note(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        svc.cases.add_note(svc.session, _find_case_id(svc, args.case), args.text)
    print(_("Note added."))
    return 0


# --- data, audit, backup ----------------------------------------------------------------------

def cmd_demo_data(args: argparse.Namespace) -> int:
    from app.demo import generate
    if args.cases < 1 or args.cases > 1_000_000:
        raise CliError(_("--cases takes a number from 1 to 1000000."))
    with unlocked(args) as svc:
        users = [u for u in svc.opened.store.users() if not u.disabled and u.role is not Role.SECRETARIAT]
        if not users:
            raise CliError(_("No user of this store may create cases."))
        start = int(svc.opened.store.meta("case_counter") or 0) + 1
        # The generator's ids depend only on its seed: a second run with the same seed on
        # this store would make the same ids again. Later runs mix in where they start.
        seed = args.seed if start == 1 else (args.seed << 32) + start
        tty = sys.stderr.isatty()

        def progress(done: int) -> bool:
            if tty:
                print(f"\r{done}/{args.cases}", end="", file=sys.stderr, flush=True)
            return True

        count = svc.cases.add_prepared(
            svc.session,
            generate(args.cases, seed=seed, users=users, device_code=svc.opened.store.device_code,
                     start_number=start),
            progress=progress,
        )
        if tty:
            print(file=sys.stderr)
    print(_("Added {count} synthetic demo cases (seed {seed}).").format(count=count, seed=args.seed))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        report = audit_service.verify(svc.opened.store)
    if report.ok:
        print(_("Audit trail intact: {count} entries.").format(count=report.checked))
        return 0
    print(_("Audit trail BROKEN at entry {seq}: {reason}.").format(seq=report.first_broken, reason=report.reason))
    return 1


def cmd_audit_devices(args: argparse.Namespace) -> int:
    """The secretariat: each device's audit entries received by sync, and whether its chain holds."""
    with unlocked(args) as svc:
        state = SyncState(svc.opened.store)
        found = audit_service.devices(state, svc.session)
        secretariat = state.config().get("role") == "secretariat"
    if args.json:
        _out([{"device": d.device, "entries": d.entries, "first_at": d.first_at, "last_at": d.last_at,
               "intact": d.chain.ok, "first_broken": d.chain.first_broken, "problem": d.chain.problem}
              for d in found])
        return 0 if all(d.chain.ok for d in found) else 1
    if not found:
        print(_("No audit entries received from other devices yet.") if secretariat else
              _("Only the secretariat's device receives the audit entries of other devices."))
        return 0
    problems = {MISSING: _("missing entries from {seq}"), LINK_BROKEN: _("link to the previous entry broken at {seq}"),
                ALTERED: _("entry {seq} altered")}
    for d in found:
        state_text = _("chain intact") if d.chain.ok else _("chain BROKEN: {problem}").format(
            problem=problems[d.chain.problem or MISSING].format(seq=d.chain.first_broken))
        print(_("{device}: {count} entries, {first} to {last}; {state}").format(
            device=d.device, count=d.entries, first=d.first_at, last=d.last_at, state=state_text))
    return 0 if all(d.chain.ok for d in found) else 1


def cmd_check(args: argparse.Namespace) -> int:
    with unlocked(args) as svc:
        problems = svc.opened.vault.check(svc.opened)
        report = audit_service.verify(svc.opened.store)
    if problems:
        print(_("The store is damaged ({count} problems found). Restore it from a backup.").format(
            count=len(problems)))
        return 1
    if not report.ok:
        print(_("Audit trail BROKEN at entry {seq}: {reason}.").format(seq=report.first_broken, reason=report.reason))
        return 1
    print(_("Store intact: every page and the audit trail ({count} entries) check out.").format(count=report.checked))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from storage.backup import create_backup
    with unlocked(args) as svc:
        out = create_backup(svc.opened, Path(args.out))
    print(_("Encrypted backup written to {path}.").format(path=out))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from storage.backup import restore_backup
    vault = vault_at(args.store)
    username = args.user or os.environ.get("HIMAYA_USER")
    if not username:
        raise CliError(_("Name the user whose passphrase opens the backup with --user."))
    passphrase = read_secret(_("Passphrase for {user}: ").format(user=username))
    kept = restore_backup(Path(args.backup), vault, username, passphrase)
    print(_("Restored into {path}.").format(path=vault.folder))
    if kept:
        print(_("The replaced store was kept in {path}.").format(path=kept))
    print(_("The restored store is a new device: enrol it again before it syncs"
            " (ask the secretariat to revoke the previous device)."))
    return 0


# --- the parser ---------------------------------------------------------------------------------

def register(sub: Any, _: Callable[[str], str]) -> None:
    def add(name: str, handler: Callable, help_text: str, parent: Any = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        if handler is not cmd_init:  # init has --username, which --user would shadow
            # --store and --user are accepted after the command too ("restore FILE --user salma");
            # SUPPRESS keeps the value given before the command when they are not repeated.
            p.add_argument("--store", type=Path, default=argparse.SUPPRESS, help=_("store folder"))
            p.add_argument("--user", default=argparse.SUPPRESS, help=_("user name"))
        return p

    p = add("init", cmd_init, _("create an encrypted store and its first user"))
    p.add_argument("--username", required=True)
    p.add_argument("--display-name")
    p.add_argument("--role", default="supervisor", help="supervisor | secretariat")
    p.add_argument("--scope", default="national", help=_("scope (team or region) of the store's cases"))
    p.add_argument("--border-post")

    users = add("user", lambda a: 2, _("manage the users of this store")).add_subparsers(
        dest="user_command", required=True, metavar="ACTION")
    p = add("add", cmd_user_add, _("add a user"), users)
    p.add_argument("username")
    p.add_argument("--role", required=True, help=" | ".join(r.value for r in Role))
    p.add_argument("--display-name")
    p.add_argument("--scope")
    p.add_argument("--border-post")
    p = add("list", cmd_user_list, _("list users"), users)
    p.add_argument("--json", action="store_true")
    add("passwd", cmd_user_passwd, _("change or reset a passphrase"), users).add_argument("username")
    add("disable", cmd_user_disable, _("disable a user"), users).add_argument("username")

    p = add("demo-data", cmd_demo_data, _("add realistic synthetic cases"))
    p.add_argument("--cases", type=int, required=True)
    p.add_argument("--seed", type=int, default=2023)

    cases = add("case", lambda a: 2, _("work with cases")).add_subparsers(dest="case_command", required=True,
                                                                           metavar="ACTION")
    p = add("add", cmd_case_add, _("open a case for a person"), cases)
    p.add_argument("--first-name")
    p.add_argument("--second-name")
    p.add_argument("--first-name-ar")
    p.add_argument("--second-name-ar")
    p.add_argument("--sex", default="Unknown", help=" | ".join(s.value for s in Sex))
    p.add_argument("--birth-year", type=int)
    p.add_argument("--possibly-minor", action="store_true")
    p.add_argument("--nationality", help=_("ISO 3166 code, e.g. MA, SN, NG"))
    p.add_argument("--language", action="append", help=_("ISO 639 code; repeat for several"))
    p.add_argument("--border-post")
    p.add_argument("--office")
    p.add_argument("--agency")
    p.add_argument("--detected-on", help="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    add("import", cmd_case_import, _("import cases from a himaya-cases JSON file (all or nothing)"),
        cases).add_argument("file")
    p = add("list", cmd_case_list, _("list cases"), cases)
    p.add_argument("--state", action="append")
    p.add_argument("--post", action="append")
    p.add_argument("--text")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--sort", default="opened_at",
                   choices=["opened_at", "detected_on", "case_number", "state", "name", "border_post"])
    p.add_argument("--ascending", action="store_true")
    p.add_argument("--json", action="store_true")
    p = add("show", cmd_case_show, _("show a case file"), cases)
    p.add_argument("case", help=_("case number or id"))
    p.add_argument("--json", action="store_true")
    p = add("move", cmd_case_move, _("move a case to another lifecycle state"), cases)
    p.add_argument("case")
    p.add_argument("state", help=" | ".join(s.value for s in CaseState))
    p.add_argument("--reason")
    p.add_argument("--closure-reason", help=" | ".join(r.value for r in ClosureReason))
    p.add_argument("--to-scope", metavar="SCOPE", help=_("with transferred: hand the case to another scope"))
    p = add("consent", cmd_case_consent, _("record a consent decision"), cases)
    p.add_argument("case")
    p.add_argument("kind", help=" | ".join(k.value for k in ConsentKind))
    p.add_argument("decision", help=" | ".join(d.value for d in ConsentDecision))
    p.add_argument("--provider")
    p.add_argument("--guardian", help=_("name of the guardian who decided for a child"))
    p.add_argument("--override", help=" | ".join(o.value for o in OverrideBasis))
    p.add_argument("--override-reason")
    p = add("note", cmd_case_note, _("add a note to a case"), cases)
    p.add_argument("case")
    p.add_argument("text")

    audit = add("audit", lambda a: 2, _("the audit trail")).add_subparsers(dest="audit_command", required=True,
                                                                           metavar="ACTION")
    add("verify", cmd_audit_verify, _("verify the hash chain; names the first broken link"), audit)
    p = add("devices", cmd_audit_devices, _("the secretariat: audit entries received from each device, "
                                            "and whether each chain holds"), audit)
    p.add_argument("--json", action="store_true", help=_("as JSON"))

    add("check", cmd_check, _("check every page of the store and the audit trail"))
    add("backup", cmd_backup, _("write an encrypted backup file")).add_argument("out")
    add("restore", cmd_restore, _("restore a backup into --store (verified first)")).add_argument("backup")

    screening_commands.register(sub, _)  # screening needs no store
    referral_commands.register(sub, _)
    search_commands.register(sub, _)
    export_commands.register(sub, _)  # the export group; export stats joins it from stats_commands
