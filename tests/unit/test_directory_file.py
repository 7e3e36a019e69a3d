"""The shipped service directory (resources/services/directory.json): sample data, complete,
uniform, and loadable exactly as the app loads it."""

from __future__ import annotations

import re

import pytest

from app.domain.referral import ServiceCategory
from app.resources import border_posts, load_json
from app.services.referrals import distance_km, load_directory_file

PHONE = re.compile(r"^\+2125\d{2}000\d{3}$")  # made-up numbers: +212 5xx 000 xxx
KNOWN_LANGUAGES = {"ar", "fr", "es", "en", "zgh", "wo", "bm", "ff"}
TAKES = {"children", "women", "men", "families"}


@pytest.fixture(scope="module")
def raw() -> dict:
    return load_json("services/directory.json")


@pytest.fixture(scope="module")
def providers(raw):
    return load_directory_file(raw)


def test_the_file_loads_and_says_it_is_sample_data(raw, providers):
    assert raw["sample"] is True and "SAMPLE DATA" in raw["_note"]
    assert 40 <= len(providers) <= 60
    assert all(p.sample and p.active for p in providers)
    assert len({p.id for p in providers}) == len(providers)


def test_every_entry_has_the_same_fields(raw):
    required = {"id", "name_ar", "name_fr", "categories", "region", "city_ar", "city_fr", "phone", "languages",
                "takes", "capacity_notes", "lat", "lon"}
    for entry in raw["providers"]:
        assert required <= set(entry), entry["id"]
        assert set(entry["takes"]) <= TAKES and entry["takes"], entry["id"]
        assert set(entry["languages"]) <= KNOWN_LANGUAGES, entry["id"]


def test_contacts_are_made_up(providers):
    assert [p.phone for p in providers if not PHONE.match(p.phone or "")] == []
    assert len({p.phone for p in providers}) == len(providers)
    assert all(p.email.endswith("@example.org") for p in providers if p.email)


def test_invented_organisations_say_they_are_examples(providers):
    for p in providers:
        if "association" in p.name_fr or "Programme" in p.name_fr or "type " in p.name_fr:
            assert "(exemple" in p.name_fr, p.name_fr
            assert "مثال" in p.name_ar, p.name_ar


def test_names_and_cities_are_in_arabic_and_french(providers):
    arabic = re.compile(r"[\u0600-\u06FF]")
    for p in providers:
        assert arabic.search(p.name_ar) and arabic.search(p.city_ar), p.id
        assert not arabic.search(p.name_fr) and not arabic.search(p.city_fr), p.id


def test_every_category_is_offered(providers):
    offered = {c for p in providers for c in p.categories}
    assert offered == set(ServiceCategory)


def test_every_region_with_a_post_has_providers_and_coordinates_lie_in_it(providers):
    posts = border_posts()
    regions = {post["region_code"] for post in posts.values()}
    assert regions <= {p.region_code for p in providers}
    for p in providers:  # Morocco, Dakhla to Tanger, Atlantic to Oujda
        assert 20.5 < p.latitude < 36.0 and -17.5 < p.longitude < -1.0, p.id
        same_region = [post for post in posts.values() if post["region_code"] == p.region_code]
        if same_region:
            nearest = min(distance_km(post["lat"], post["lon"], p.latitude, p.longitude) for post in same_region)
            assert nearest < 350, (p.id, nearest)


@pytest.mark.parametrize("code", sorted(border_posts()))
def test_every_post_has_emergency_protection_health_and_legal_aid_within_reach(providers, code):
    post = border_posts()[code]
    for category, km in ((ServiceCategory.EMERGENCY_PROTECTION, 100), (ServiceCategory.HEALTH, 300),
                         (ServiceCategory.LEGAL_AID, 300)):
        nearest = min(distance_km(post["lat"], post["lon"], p.latitude, p.longitude)
                      for p in providers if category in p.categories)
        assert nearest <= km, (code, category, round(nearest))


def test_children_are_taken_by_child_protection_and_women_by_shelters(providers):
    for p in providers:
        if ServiceCategory.CHILD_PROTECTION in p.categories:
            assert p.takes_children, p.name_fr
    shelters = [p for p in providers if ServiceCategory.SHELTER in p.categories]
    assert any(p.takes_men for p in shelters) and any(not p.takes_men for p in shelters)
    assert any("wo" in p.languages and "bm" in p.languages and "ff" in p.languages for p in shelters)
