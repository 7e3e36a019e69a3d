"""Names people give devices and invitations, as the hub accepts them."""

from __future__ import annotations

import pytest

from sync.hub.auth import clean_name
from sync.hub.errors import HubError


@pytest.mark.parametrize("name", ["Laptop Tangier 3", "حاسوب طنجة ٣", "پرویز‌لپ‌تاپ"])  # ZWNJ in Persian stays
def test_ordinary_names_are_kept(name: str) -> None:
    assert clean_name(f"  {name} ", "device name") == name


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c"])
def test_a_name_with_a_bidi_control_is_refused(control: str) -> None:
    with pytest.raises(HubError) as refused:
        clean_name(f"Laptop{control}3 potpaL", "device name")
    assert refused.value.status == 400 and "bidi" in str(refused.value.detail)
