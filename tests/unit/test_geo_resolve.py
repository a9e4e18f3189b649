"""Resolution ranks candidates with confidence, narrows by context, and says how precisely
each is known; zone loads plan revisions and withdrawals."""

from datetime import UTC, datetime

from truce.domain.geo.aliases import seed_aliases
from truce.domain.geo.places import AdminUnit, Place, Precision, cod_fields, town_radius_m
from truce.domain.geo.resolve import ResolveContext, build_gazetteer, unit_named
from truce.domain.geo.zones import ZoneDraft, ZoneKind, plan_zone_load

T0 = datetime(2017, 1, 1, tzinfo=UTC)


def unit(pcode, level, en, ar, parent, radius=10_000.0):
    return AdminUnit(pcode, level, en, ar, parent, 33.0, 36.0, radius, b"", "test")


UNITS = [
    unit("SY03", 1, "Rural Damascus", "ريف دمشق", "SY", 80_000),
    unit("SY0307", 2, "Az-Zabdani", "الزبداني", "SY03", 20_000),
    unit("SY030702", 3, "Ein Elfijeh", "عين الفيجة", "SY0307", 9_000),
    unit("SY12", 1, "Dar'a", "درعا", "SY", 60_000),
    unit("SY1200", 2, "Dar'a", "درعا", "SY12", 30_000),
    unit("SY120000", 3, "Dar'a", "مركز درعا", "SY1200", 8_000),
    unit("SY050101", 3, "Suran", "صوران", "SY0501"),
    unit("SY020405", 3, "Suran", "صوران", "SY0204"),
]
TOWN = Place("geonames:1", "‘Ayn al Fījah", ("عين الفيجة",), 33.6, 36.2, 5_000, "t", "SY030702")


def gazetteer():
    return build_gazetteer(UNITS, [TOWN], seed_aliases())


def test_an_arabic_name_finds_the_sub_district_and_the_town():
    found = gazetteer().resolve("عين الفيجة")
    assert [c.target.key for c in found] == ["SY030702", "geonames:1"]
    assert found[0].confidence == 1.0
    assert found[0].target.adm1 == "SY03"
    assert found[1].target.adm3 == "SY030702"


def test_the_spellings_of_datasets_and_parties_find_the_governorate():
    g = gazetteer()
    for spelling in (
        "Dar'a",
        "Daraa",
        "Dara",
        "Deraa",
        "درعا",
        "Rif Dimashq",
        "Damascus Suburbs",
        "ريف دمشق",
        "Rural Damascus",
    ):
        assert g.resolve(spelling)[0].target.level == 1, spelling


def test_a_coarser_unit_of_the_same_name_ranks_first_unless_a_level_is_asked():
    g = gazetteer()
    assert [c.target.key for c in g.resolve("Dar'a")][:3] == ["SY12", "SY1200", "SY120000"]
    assert g.resolve("Dar'a", ResolveContext(level=3))[0].target.key == "SY120000"


def test_context_narrows_a_name_two_governorates_share():
    g = gazetteer()
    assert len(g.resolve("Suran")) == 2
    [only] = g.resolve("Suran", ResolveContext(within="SY0501"))
    assert only.target.key == "SY050101"


def test_looser_matches_are_trusted_less():
    g = gazetteer()
    exact, variant = g.resolve("Ein Elfijeh")[0], g.resolve("Ein el-Fijeh")[0]
    assert exact.target.key == variant.target.key == "SY030702"
    assert exact.confidence > variant.confidence


def test_a_misspelling_is_offered_at_low_confidence_and_nonsense_finds_nothing():
    g = gazetteer()
    [fuzzy, *_] = g.resolve("Zabadanii xx")
    assert fuzzy.tier == "fuzzy"
    assert fuzzy.confidence < 0.7
    assert g.resolve("Qwxyzzy") == []


def test_a_town_quarter_resolves_inside_its_town_or_falls_back_to_the_town():
    g = gazetteer()
    [town, *_] = g.resolve("Dar'a - Unknown Quarter")
    assert town.target.key == "SY12"
    assert town.confidence < 1.0


def test_a_place_known_to_a_district_is_a_district_with_a_radius_not_a_point():
    [district] = [c for c in gazetteer().resolve("Az-Zabdani") if c.target.level == 2]
    location = district.target.location
    assert location.precision is Precision.DISTRICT
    assert location.radius_m == 20_000
    assert TOWN.location.precision is Precision.TOWN
    assert TOWN.location.radius_m == town_radius_m(5_000) >= 1_000


def test_cod_attributes_give_level_parent_and_names():
    level, pcode, en, ar, parent = cod_fields(
        {
            "PCODE": "SY030702",
            "NAME_EN": "Ein Elfijeh",
            "NAME_AR": "عين الفيجة",
            "ADM2_PCODE": "SY0307",
            "ADM1_PCODE": "SY03",
        }
    )
    assert (level, pcode, en, ar, parent) == (3, "SY030702", "Ein Elfijeh", "عين الفيجة", "SY0307")


def draft(zone_id, geometry='{"type":"Point","coordinates":[36.2,33.6]}', name="Ain al-Fijah"):
    return ZoneDraft(zone_id, ZoneKind.PROTECTED_SITE, name, "عين الفيجة", geometry)


def test_a_zone_load_adds_revisions_only_for_what_changed_and_withdraws_what_is_gone():
    first = plan_zone_load([], [draft("spring"), draft("valley")], "a", 1, T0)
    assert [(z.zone_id, z.revision) for z in first.revisions] == [("spring", 1), ("valley", 1)]
    same = plan_zone_load(first.revisions, [draft("spring"), draft("valley")], "a", 1, T0)
    assert same.revisions == []
    assert same.unchanged == 2
    moved = plan_zone_load(first.revisions, [draft("spring", name="Spring")], "a", 2, T0)
    assert [(z.zone_id, z.revision, z.withdrawn) for z in moved.revisions] == [
        ("spring", 2, False),
        ("valley", 2, True),
    ]
    assert moved.revisions[0].agreement_version == 2


def test_a_name_that_says_its_kind_of_unit_finds_that_unit():
    g = gazetteer()
    for text, key in (
        ("Dar'a governorate", "SY12"),
        ("Governorate of Dar'a", "SY12"),
        ("محافظة درعا", "SY12"),
        ("Dar'a district", "SY1200"),
        ("Az-Zabdani District", "SY0307"),
        ("ناحية عين الفيجة", "SY030702"),
    ):
        assert g.resolve(text)[0].target.key == key, text
    # A kind word with nothing of that kind under the name: the whole text as usual.
    assert g.resolve("Ein Elfijeh district")[0].target.key in {"SY030702", "geonames:1"}
    assert unit_named("Aleppo") is None
    assert unit_named("Rural Damascus") is None
