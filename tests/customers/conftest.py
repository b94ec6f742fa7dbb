"""A small region tree in the shape of the shipped data file: each test loads only what it needs."""

import json
from pathlib import Path
from typing import Any

import pytest

from guanxi.customers.regions.services import regions_load

# The cases that matter: a municipality (its 市辖区 and Chongqing's 县 group), an ordinary province, a city
# without counties (its towns stand in), and a province's own county-level group.
TREE: list[dict[str, Any]] = [
    {
        "code": "31",
        "name": "上海市",
        "children": [
            {
                "code": "3101",
                "name": "市辖区",
                "children": [{"code": "310101", "name": "黄浦区"}, {"code": "310115", "name": "浦东新区"}],
            }
        ],
    },
    {
        "code": "42",
        "name": "湖北省",
        "children": [
            {"code": "4290", "name": "省直辖县级行政区划", "children": [{"code": "429004", "name": "仙桃市"}]}
        ],
    },
    {
        "code": "44",
        "name": "广东省",
        "children": [
            {"code": "4401", "name": "广州市", "children": [{"code": "440106", "name": "天河区"}]},
            {
                "code": "4403",
                "name": "深圳市",
                "children": [{"code": "440304", "name": "福田区"}, {"code": "440305", "name": "南山区"}],
            },
            {"code": "4419", "name": "东莞市", "children": [{"code": "441900121", "name": "虎门镇"}]},
        ],
    },
    {
        "code": "50",
        "name": "重庆市",
        "children": [
            {"code": "5001", "name": "市辖区", "children": [{"code": "500101", "name": "万州区"}]},
            {"code": "5002", "name": "县", "children": [{"code": "500229", "name": "城口县"}]},
        ],
    },
]


def write_tree(path: Path, tree: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tree, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def regions_file(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "regions.json", TREE)


@pytest.fixture
def regions(db: None, regions_file: Path) -> int:
    return regions_load(path=regions_file)
