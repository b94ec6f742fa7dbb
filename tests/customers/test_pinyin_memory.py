"""The pinyin keys with pypinyin's phrase readings shared (guanxi.customers.keys): the same readings as the
library's own data, the same keys, and nothing a conversion does reaches the shared lists."""

import json
from pathlib import Path

import pypinyin
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PHRASES_DICT

from guanxi.customers import keys


def test_every_phrase_keeps_the_readings_of_pypinyins_own_data() -> None:
    data = json.loads((Path(pypinyin.__file__).parent / "phrases_dict.json").read_text(encoding="utf-8"))

    assert data == PHRASES_DICT
    assert keys._share_phrase_readings() == 1249  # again: idempotent, the same distinct readings
    assert PHRASES_DICT["重庆"][0] is PHRASES_DICT["重新"][0]  # one 'chóng' list, not one per phrase


def test_phrase_readings_still_decide_the_keys() -> None:
    assert keys.name_pinyin("重庆银行") == "chongqingyinhang"  # 重 chóng and 行 háng, from the phrases
    assert keys.name_initials("重庆银行") == "cqyh"
    assert keys.name_pinyin("重要行业") == "zhongyaohangye"


def test_converting_in_every_style_leaves_the_shared_readings_as_they_were() -> None:
    before = json.dumps(PHRASES_DICT, ensure_ascii=False, sort_keys=True)

    for style in Style:
        pinyin("重庆银行重新重要", style=style, heteronym=True)
        lazy_pinyin("重庆银行重新重要", style=style)

    assert json.dumps(PHRASES_DICT, ensure_ascii=False, sort_keys=True) == before
    assert lazy_pinyin("重新") == ["chong", "xin"]


def test_pinyin_and_initials_read_once_match_pypinyins_two_styles() -> None:
    names = [
        "重庆银行",
        "上海华信精密机械有限公司",
        "ABC科技 Co., Ltd.",
        "3M中国",
        "华为（深圳）",
        "张三",
        "a1b2",
        "嗯",
        "长沙",
    ]
    for name in names:
        plain = keys._NOISE.sub("", name.lower())
        assert keys.name_pinyin(name) == "".join(lazy_pinyin(plain)).lower()
        assert keys.name_initials(name) == "".join(lazy_pinyin(plain, style=Style.FIRST_LETTER)).lower()
    assert keys.name_initials("3M中国") == "3mzg"  # letters and digits kept whole, not cut to their first
