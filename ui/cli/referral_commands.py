"""``himaya-cli`` referral and assistance commands: the service directory, referrals,
services received, follow-up tasks and the "today" view.

``services list|import`` (the directory), ``referral create|list|update|form``,
``service add|list`` (services received), ``tasks due`` and ``task add|done``. They open
the store with ``session.unlocked`` like every other command, and every refusal is one
translated line (the services decide; this module only parses and prints).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

from app import strict_json
from app.domain.codec import to_fields
from app.domain.referral import (
    CATEGORY_LABELS, REFERRAL_STATUS_LABELS, URGENCY_LABELS, ReferralStatus, ServiceCategory, Urgency,
)
from app.domain.values import STATE_LABELS, ConsentDecision, OverrideBasis
from app.resources import border_posts
from app.services.referrals import ConsentInput, ProviderHit, ReferralDraft, TodayItem
from i18n import gettext_for, language_from_environment
from ui.cli import session
from ui.cli.session import CliError, unlocked
from ui.composition import Services

#: The longest "today" window the command accepts (days ahead).
MAX_DAYS = 366


def _out(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _choice(enum: type, raw: str, flag: str) -> Any:
    try:
        return enum.parse(raw)
    except ValueError:
        raise CliError(session._("{flag} takes one of: {values}").format(
            flag=flag, values=", ".join(m.value for m in enum))) from None


def _date(raw: str, flag: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CliError(session._("{flag} takes a date as YYYY-MM-DD, not {value!r}.").format(
            flag=flag, value=raw)) from None


def _case_id(svc: Services, ref: str) -> str:
    from ui.cli.commands import _find_case_id  # one lookup rule (number or id) for every command
    return _find_case_id(svc, ref)


def _language() -> str:
    return language_from_environment(default="en")


def _categories(values: tuple[ServiceCategory, ...]) -> str:
    return ", ".join(session._(CATEGORY_LABELS[c]) for c in values)


# --- the service directory -------------------------------------------------------------------

def _provider_id(svc: Services, ref: str) -> str:
    """A provider by its id, or by a part of its id (at least 4 characters) naming one entry."""
    ref = ref.strip()
    hits = svc.referrals.providers(svc.session, include_inactive=True)
    if any(h.provider.id == ref for h in hits):
        return ref
    found = [h.provider for h in hits if len(ref) >= 4 and ref.lower() in h.provider.id]
    if len(found) == 1:
        return found[0].id
    if len(found) > 1:
        raise CliError(session._("{ref} names {count} directory entries; give more of the id.").format(
            ref=ref, count=len(found)))
    raise CliError(session._("No entry {ref} in the service directory (see: services list).").format(ref=ref))


def _hit_json(hit: ProviderHit) -> dict[str, Any]:
    return {"id": hit.provider.id, **to_fields(hit.provider),
            "distance_km": None if hit.distance_km is None else round(hit.distance_km, 1),
            "suits_person": hit.suits_person}


def cmd_services_list(args: argparse.Namespace) -> int:
    _ = session._
    category = _choice(ServiceCategory, args.category, "--category") if args.category else None
    if args.near and args.near not in border_posts():
        raise CliError(_("--near takes a border post or office code, e.g. TNG-MED (not {value!r}).").format(
            value=args.near))
    with unlocked(args) as svc:
        near, person = args.near, None
        if args.case:
            case = svc.cases.visible_case(svc.session, _case_id(svc, args.case))
            person = svc.cases.person_of(case)
            near = near or case.border_post
        hits = svc.referrals.providers(svc.session, category=category, text=args.text or "", near_post=near,
                                       person=person)
    if args.json:
        _out([_hit_json(h) for h in hits])
        return 0
    lang = _language()
    not_for = _("(does not take this person)")
    for h in hits:
        p = h.provider
        distance = "     -" if h.distance_km is None else f"{h.distance_km:>4.0f} km"
        mark = f"  {not_for}" if not h.suits_person else ""
        print(f"{distance}  {p.id}  {p.name(lang)} — {p.city(lang)}  [{_categories(p.categories)}]  "
              f"{p.phone or ''}{mark}")
    if any(h.provider.sample for h in hits):
        print(_("Sample directory: invented entries, not an official list."), file=sys.stderr)
    return 0


def cmd_services_import(args: argparse.Namespace) -> int:
    _ = session._
    path = Path(args.file)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise CliError(_("{file} is not UTF-8 text.").format(file=path)) from None
    try:
        data = strict_json.loads(text)
    except strict_json.JsonRefused as exc:
        raise CliError(_("{file} is not valid JSON: {detail}").format(file=path, detail=exc.reason)) from None
    with unlocked(args) as svc:
        count = svc.referrals.import_directory(svc.session, data)
    print(_("Imported {count} directory entries from {file}.").format(count=count, file=path))
    return 0


# --- referrals -------------------------------------------------------------------------------

def _consent_input(raw: str | None, override_reason: str | None) -> ConsentInput | None:
    _ = session._
    if raw is None:
        if override_reason:
            raise CliError(_("--override-reason goes with --consent override:BASIS."))
        return None
    kind, _sep, value = raw.partition(":")
    if kind == "given" and not value:
        consent = ConsentInput(ConsentDecision.GIVEN)
    elif kind == "guardian" and value.strip():
        consent = ConsentInput(ConsentDecision.GIVEN, given_by_guardian=True, guardian_name=value.strip())
    elif kind == "override" and value in {o.value for o in OverrideBasis}:
        # An override is recorded when the person's consent could not be obtained.
        return ConsentInput(ConsentDecision.NOT_OBTAINED, override=OverrideBasis(value),
                            override_reason=override_reason)
    else:
        raise CliError(_("--consent takes given, guardian:NAME, override:danger_to_life or "
                         "override:child_best_interests (not {value!r}).").format(value=raw))
    if override_reason:
        raise CliError(_("--override-reason goes with --consent override:BASIS."))
    return consent


def cmd_referral_create(args: argparse.Namespace) -> int:
    _ = session._
    categories = tuple(_choice(ServiceCategory, c, "--service") for c in args.service)
    urgency = _choice(Urgency, args.urgency, "--urgency")
    consent = _consent_input(args.consent, args.override_reason)
    if args.follow_up_days is not None and not 0 <= args.follow_up_days <= MAX_DAYS:
        raise CliError(_("--follow-up-days takes a number from 0 to {max}.").format(max=MAX_DAYS))
    with unlocked(args) as svc:
        case_id = _case_id(svc, args.case)
        today = svc.referrals.clock.now().date()
        draft = ReferralDraft(
            provider_id=_provider_id(svc, args.provider), categories=categories, urgency=urgency,
            risk_summary=args.risk_summary, services_detail=args.detail, language=args.language,
            interpreter_needed=args.interpreter, guardian_name=args.guardian, unaccompanied=args.unaccompanied,
            from_organisation=args.from_organisation,
            follow_up_on=None if args.follow_up_days is None else today + timedelta(days=args.follow_up_days),
            follow_up_title=None,
        )
        made = svc.referrals.refer(svc.session, case_id, draft, consent)
    r = made.referral
    if args.json:
        _out({"referral": {"id": r.id, **to_fields(r)},
              "case": {"id": made.case.id, "case_number": made.case.case_number, "state": made.case.state.value},
              "consent": None if made.consent is None else {"id": made.consent.id, **to_fields(made.consent)},
              "task": None if made.task is None else {"id": made.task.id, **to_fields(made.task)}})
        return 0
    print(_("Referral {id} sent to {provider}.").format(id=r.id, provider=r.provider_name))
    print(_("{number} is now: {state}").format(number=made.case.case_number,
                                               state=_(STATE_LABELS[made.case.state])))
    if made.task is not None:
        print(_("Follow-up task {id} due {date}.").format(id=made.task.id, date=made.task.due_on.isoformat()))
    return 0


def cmd_referral_list(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        referrals = svc.referrals.referrals(svc.session, _case_id(svc, args.case))
    if args.json:
        _out([{"id": r.id, **to_fields(r)} for r in referrals])
        return 0
    for r in referrals:
        status, urgency = _(REFERRAL_STATUS_LABELS[r.status]), _(URGENCY_LABELS[r.urgency])
        print(f"{r.referred_at:%Y-%m-%d}  {r.id}  {status:<10} {urgency:<22} {r.provider_name}  "
              f"[{_categories(r.categories)}]")
    if not referrals:
        print(_("No referral for this case yet."), file=sys.stderr)
    return 0


def cmd_referral_update(args: argparse.Namespace) -> int:
    _ = session._
    status = _choice(ReferralStatus, args.status, "--status")
    if status is ReferralStatus.SENT:
        raise CliError(_("--status takes accepted, declined, completed or withdrawn."))
    on = _date(args.on, "--on") if args.on else None
    with unlocked(args) as svc:
        referral = svc.referrals.update_status(svc.session, args.referral, status, on=on, feedback=args.feedback)
        case = svc.cases.visible_case(svc.session, referral.case_id)
    print(_("Referral {id} is now: {status}").format(id=referral.id, status=_(REFERRAL_STATUS_LABELS[referral.status])))
    print(_("{number} is now: {state}").format(number=case.case_number, state=_(STATE_LABELS[case.state])))
    return 0


def cmd_referral_form(args: argparse.Namespace) -> int:
    _ = session._
    language = args.lang or _language()
    out = Path(args.out)
    if not out.parent.is_dir():  # before the export is made and audited
        raise CliError(_("No folder {path} to write the form into.").format(path=out.parent))
    with unlocked(args) as svc:
        pdf = svc.referrals.referral_form(svc.session, args.referral, language, translate=gettext_for(language))
    out.write_bytes(pdf)
    print(_("Referral form written to {path}.").format(path=out))
    return 0


# --- services received -----------------------------------------------------------------------

def cmd_service_add(args: argparse.Namespace) -> int:
    _ = session._
    category = _choice(ServiceCategory, args.category, "--category")
    received = _date(args.on, "--on")
    with unlocked(args) as svc:
        case_id = _case_id(svc, args.case)
        provider_id = _provider_id(svc, args.provider) if args.provider else None
        service = svc.referrals.record_service(svc.session, case_id, category, args.provider_name, received,
                                               description=args.detail, provider_id=provider_id)
    print(_("Service recorded ({id}).").format(id=service.id))
    return 0


def cmd_service_list(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        services = svc.referrals.services(svc.session, _case_id(svc, args.case))
    if args.json:
        _out([{"id": s.id, **to_fields(s)} for s in services])
        return 0
    for s in services:
        detail = f" — {s.description}" if s.description else ""
        print(f"{s.received_on.isoformat()}  {_(CATEGORY_LABELS[s.category])}: {s.provider_name}{detail}")
    if not services:
        print(_("No service recorded for this case yet."), file=sys.stderr)
    return 0


# --- follow-up tasks and the today view ------------------------------------------------------

def _item_json(item: TodayItem) -> dict[str, Any]:
    data: dict[str, Any] = {"case_id": item.case_id, "case_number": item.case_number, "name_ar": item.name_ar,
                            "name_latin": item.name_latin, "due_on": item.due_on.isoformat()}
    if item.task is not None:
        data["task"] = {"id": item.task.id, **to_fields(item.task)}
    if item.referral is not None:
        data["referral"] = {"id": item.referral.id, **to_fields(item.referral)}
    return data


def _item_line(item: TodayItem) -> str:
    _ = session._
    name = " / ".join(n for n in (item.name_latin, item.name_ar) if n) or "—"
    if item.task is not None:
        what, ident = _(item.task.title), item.task.id
    else:
        assert item.referral is not None
        what, ident = _("Referral to {provider}: no answer yet").format(
            provider=item.referral.provider_name), item.referral.id
    return f"  {item.due_on.isoformat()}  {item.case_number}  {name} — {what}  [{ident}]"


def cmd_tasks_due(args: argparse.Namespace) -> int:
    _ = session._
    if not 0 <= args.days <= MAX_DAYS:
        raise CliError(_("--days takes a number from 0 to {max}.").format(max=MAX_DAYS))
    with unlocked(args) as svc:
        view = svc.referrals.today(svc.session, days=args.days)
    sections = (("overdue", _("Overdue"), view.overdue), ("due_today", _("Due today"), view.due_today),
                ("upcoming", _("Upcoming"), view.upcoming),
                ("waiting", _("Referrals waiting for an answer"), view.waiting))
    if args.json:
        _out({"today": view.today.isoformat(), **{key: [_item_json(i) for i in items] for key, _l, items in sections}})
        return 0
    for _key, title, items in sections:
        print(f"{title} ({len(items)})")
        for item in items:
            print(_item_line(item))
    return 0


def cmd_task_add(args: argparse.Namespace) -> int:
    _ = session._
    due = _date(args.due, "--due")
    with unlocked(args) as svc:
        assignee = None
        if args.assign:
            user = svc.opened.store.user_by_name(args.assign)
            if user is None or user.disabled:
                raise CliError(_("No active user {user} on this device.").format(user=args.assign))
            assignee = user.id
        task = svc.referrals.add_task(svc.session, _case_id(svc, args.case), args.title, due, assigned_to=assignee)
    print(_("Task {id} added, due {date}.").format(id=task.id, date=task.due_on.isoformat()))
    return 0


def cmd_task_done(args: argparse.Namespace) -> int:
    _ = session._
    with unlocked(args) as svc:
        task = svc.referrals.complete_task(svc.session, args.task)
    print(_("Task {id} done.").format(id=task.id))
    return 0


# --- the parser ------------------------------------------------------------------------------

def register(sub: Any, _: Callable[[str], str]) -> None:
    def group(name: str, help_text: str, dest: str) -> Any:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=lambda a: 2)
        return parser.add_subparsers(dest=dest, required=True, metavar="ACTION")

    def add(parent: Any, name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        parser = parent.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=handler)
        # as in ui.cli.commands: --store and --user also after the command
        parser.add_argument("--store", type=Path, default=argparse.SUPPRESS, help=_("store folder"))
        parser.add_argument("--user", default=argparse.SUPPRESS, help=_("user name"))
        return parser

    categories = " | ".join(c.value for c in ServiceCategory)
    directory = group("services", _("the service directory"), "services_command")
    p = add(directory, "list", cmd_services_list, _("list the directory, nearest to a post first"))
    p.add_argument("--category", help=categories)
    p.add_argument("--near", metavar="POST", help=_("border post or office code, e.g. TNG-MED"))
    p.add_argument("--case", help=_("near the case's post; marks entries that do not take this person"))
    p.add_argument("--text", help=_("part of a name or town"))
    p.add_argument("--json", action="store_true")
    p = add(directory, "import", cmd_services_import,
            _("add or update directory entries from a JSON file (secretariat; all or nothing)"))
    p.add_argument("file", metavar="FILE.json")

    referral = group("referral", _("referrals to the services of the directory"), "referral_command")
    p = add(referral, "create", cmd_referral_create, _("refer a case to a provider (needs consent or an override)"))
    p.add_argument("case", help=_("case number or id"))
    p.add_argument("--provider", required=True, help=_("directory entry id (or a unique part of it)"))
    p.add_argument("--service", action="append", required=True, metavar="CATEGORY",
                   help=categories + _("; repeat for several"))
    p.add_argument("--urgency", required=True, help=" | ".join(u.value for u in Urgency))
    p.add_argument("--risk-summary", metavar="TEXT")
    p.add_argument("--detail", metavar="TEXT", help=_("the services asked, in words"))
    p.add_argument("--language", metavar="CODE", help=_("ISO 639 code of the interview language"))
    p.add_argument("--interpreter", action="store_true", help=_("an interpreter is needed"))
    child = p.add_mutually_exclusive_group()
    child.add_argument("--guardian", metavar="NAME", help=_("the child's guardian"))
    child.add_argument("--unaccompanied", action="store_true", help=_("the child is unaccompanied"))
    p.add_argument("--consent", help=_("record with the referral: given | guardian:NAME | override:danger_to_life "
                                       "| override:child_best_interests"))
    p.add_argument("--override-reason", metavar="TEXT")
    p.add_argument("--from-organisation", metavar="NAME")
    p.add_argument("--follow-up-days", type=int, metavar="N", help=_("add a task to check the answer in N days"))
    p.add_argument("--json", action="store_true")
    p = add(referral, "list", cmd_referral_list, _("list a case's referrals"))
    p.add_argument("case")
    p.add_argument("--json", action="store_true")
    p = add(referral, "update", cmd_referral_update, _("record the provider's answer or the outcome"))
    p.add_argument("referral", metavar="REFERRAL_ID")
    p.add_argument("--status", required=True, help="accepted | declined | completed | withdrawn")
    p.add_argument("--on", metavar="YYYY-MM-DD", help=_("date of the answer or completion (default: today)"))
    p.add_argument("--feedback", metavar="TEXT")
    p = add(referral, "form", cmd_referral_form, _("write the printable referral form (PDF)"))
    p.add_argument("referral", metavar="REFERRAL_ID")
    p.add_argument("out", metavar="OUT.pdf")
    p.add_argument("--lang", choices=["ar", "fr", "en"])

    received = group("service", _("services a person received"), "service_command")
    p = add(received, "add", cmd_service_add, _("record a service received"))
    p.add_argument("case")
    p.add_argument("--category", required=True, help=categories)
    p.add_argument("--provider-name", required=True, metavar="NAME")
    p.add_argument("--provider", metavar="ID", help=_("the directory entry, if it is one"))
    p.add_argument("--on", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--detail", metavar="TEXT")
    p = add(received, "list", cmd_service_list, _("list the services a case received"))
    p.add_argument("case")
    p.add_argument("--json", action="store_true")

    due = group("tasks", _("the follow-up tasks of the current user"), "tasks_command")
    p = add(due, "due", cmd_tasks_due, _("overdue, today, upcoming, and referrals waiting for an answer"))
    p.add_argument("--days", type=int, default=7, help=_("upcoming: due within N days (default 7)"))
    p.add_argument("--json", action="store_true")
    task = group("task", _("one follow-up task"), "task_command")
    p = add(task, "add", cmd_task_add, _("add a follow-up task to a case"))
    p.add_argument("case")
    p.add_argument("title")
    p.add_argument("--due", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--assign", metavar="USER", help=_("user name (default: yourself)"))
    add(task, "done", cmd_task_done, _("mark a task done")).add_argument("task", metavar="TASK_ID")
