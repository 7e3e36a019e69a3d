"""Errors carry an English template and parameters; front ends translate both."""

from __future__ import annotations

import inspect
import string

import pytest

from app import errors
from app.domain.values import ROLE_LABELS, STATE_LABELS, CaseState, Role
from app.errors import (
    ReferralRefused,
    FieldError, HimayaError, NotFound, PermissionDenied, TransitionRefused, ValidationError, WeakPassphrase,
)
from app.permissions import ACTION_LABELS, Action, require

AR = {
    "Your role ({role}) does not allow this: {action}.": "دورك ({role}) لا يسمح بهذا: {action}.",
    "Border officer": "ضابط الحدود",
    "export a case summary": "تصدير ملخص الملف",
    "The case cannot move from {source} to {target}: {reasons}": "لا يمكن نقل الملف من {source} إلى {target}: {reasons}",
    "Follow-up": "المتابعة",
    "Closed": "مغلق",
    "your role may not do this step": "دورك لا يسمح بهذه الخطوة",
    "choose a closure reason": "اختر سبب الإغلاق",
    "No {kind} with the id {ident} in this store.": "لا يوجد {kind} بالمعرف {ident} في هذا المخزن.",
    "case": "ملف",
    "At most {limit} characters.": "{limit} حرفًا على الأكثر.",
    "Something went wrong.": "حدث خطأ ما.",
}


def ar(msgid: str) -> str:
    return AR.get(msgid, msgid)


def test_base_error_renders_its_default_template():
    error = HimayaError()
    assert str(error) == "Something went wrong."
    assert error.render(ar) == "حدث خطأ ما."


def test_custom_template_with_parameters():
    error = HimayaError("Device {device} refused ({code}).", device="dev-7", code=403)
    assert str(error) == "Device dev-7 refused (403)."
    assert error.params == {"device": "dev-7", "code": 403}


def test_render_translates_template_and_fills_params():
    catalog = {"Device {device} refused.": "Appareil {device} refusé."}
    error = HimayaError("Device {device} refused.", device="dev-7")
    assert error.render(lambda s: catalog.get(s, s)) == "Appareil dev-7 refusé."


def test_untranslated_params_are_left_alone():
    catalog = {"Device {device} refused.": "Appareil {device} refusé.", "dev-7": "NOPE"}
    error = HimayaError("Device {device} refused.", device="dev-7")
    assert error.render(lambda s: catalog.get(s, s)) == "Appareil dev-7 refusé."


def test_broken_translation_falls_back_to_english():
    error = HimayaError("Device {device} refused.", device="dev-7")
    assert error.render(lambda s: "Appareil {appareil} refusé.") == "Device dev-7 refused."


def test_permission_denied_translates_role_and_action():
    error = PermissionDenied(role=ROLE_LABELS[Role.BORDER_OFFICER], action=ACTION_LABELS[Action.EXPORT_CASE_PDF])
    assert str(error) == "Your role (Border officer) does not allow this: export a case summary."
    assert error.render(ar) == "دورك (ضابط الحدود) لا يسمح بهذا: تصدير ملخص الملف."


def test_permission_denied_from_require_renders_in_arabic():
    with pytest.raises(PermissionDenied) as excinfo:
        require(Role.BORDER_OFFICER, Action.EXPORT_CASE_PDF)
    assert excinfo.value.render(ar) == "دورك (ضابط الحدود) لا يسمح بهذا: تصدير ملخص الملف."


def test_transition_refused_translates_states_and_each_reason():
    error = TransitionRefused(STATE_LABELS[CaseState.FOLLOW_UP], STATE_LABELS[CaseState.CLOSED],
                              ["your role may not do this step", "choose a closure reason"])
    assert error.reasons == ("your role may not do this step", "choose a closure reason")
    assert str(error) == (
        "The case cannot move from Follow-up to Closed: your role may not do this step; choose a closure reason"
    )
    assert error.render(ar) == (
        "لا يمكن نقل الملف من المتابعة إلى مغلق: دورك لا يسمح بهذه الخطوة; اختر سبب الإغلاق"
    )


def test_not_found_translates_the_kind_but_not_the_id():
    error = NotFound(kind="case", ident="case")
    assert error.render(ar) == "لا يوجد ملف بالمعرف case في هذا المخزن."


def test_weak_passphrase_translates_its_reason():
    error = WeakPassphrase(reason="choose a closure reason")
    assert error.render(ar).endswith("اختر سبب الإغلاق")


def test_validation_error_lists_fields_and_keeps_every_error():
    errs = [FieldError("first_name", "Expected text."), FieldError("nationality", "Not an ISO 3166 country code."),
            FieldError("first_name", "At most {limit} characters.", {"limit": 80})]
    error = ValidationError(errs)
    assert error.errors == tuple(errs)
    assert str(error) == "Some fields need attention: first_name, nationality, first_name"
    assert [e.template for e in error.for_field("first_name")] == ["Expected text.", "At most {limit} characters."]
    assert error.for_field("mobile_phone") == []


def test_field_error_renders_with_and_without_translation():
    err = FieldError("first_name", "At most {limit} characters.", {"limit": 80})
    assert err.render() == "At most 80 characters."
    assert err.render(ar) == "80 حرفًا على الأكثر."


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


ERROR_CLASSES = [
    cls for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, HimayaError) and cls not in (ValidationError, TransitionRefused, ReferralRefused)
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_template_renders_with_its_parameters(cls):
    params = {name: f"<{name}>" for name in _placeholders(cls.template)}
    error = cls(**params)
    text = str(error)
    assert "{" not in text and "}" not in text
    for value in params.values():
        assert value in text
    assert set(cls.translated_params) <= set(params)


def test_referral_refusal_gives_every_reason_translated():
    error = ReferralRefused(["your role may not do this step", "choose a closure reason"])
    assert str(error) == ("The referral cannot be made: your role may not do this step; "
                          "choose a closure reason")
    assert error.render(ar) != str(error)
    assert error.reasons == ("your role may not do this step", "choose a closure reason")
