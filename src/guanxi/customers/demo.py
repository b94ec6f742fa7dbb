"""The demo customers of both units, registered through the services over the past year (see ``core.demo``'s
clock): factories and trading companies for 华东工业装备, private buyers and fleets for 汽车销售 — each with a
first contact, an address in a real district whose region codes match, and a remark a salesperson would write."""

import random
from datetime import datetime
from typing import TextIO

from django.core.exceptions import ValidationError
from faker import Faker

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.config.parameters import parameters_set
from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.core.errors import DomainError
from guanxi.org.models import User

from .models import Customer, Level
from .regions.models import Region
from .services import customer_create, customer_duplicates

INDUSTRIAL = 380
AUTO = 140
INDUSTRIAL_OWNERS = ["sales1", "sales2", "sales3", "sales4", "sh.manager", "bj.manager"]
AUTO_OWNERS = ["auto.sales1", "auto.sales2", "auto.sales3", "auto.manager"]

# (province, city, county codes, the address up to the district, streets) — real districts, so the region
# columns and the address agree
PLACES = {
    "上海": ("310000", "310100", "310115", "上海市浦东新区", ["张江路", "金科路", "川沙路", "康桥东路"]),
    "闵行": ("310000", "310100", "310112", "上海市闵行区", ["莘庄工业区春东路", "沪闵路", "剑川路"]),
    "嘉定": ("310000", "310100", "310114", "上海市嘉定区", ["安亭镇墨玉路", "叶城路", "嘉松北路"]),
    "松江": ("310000", "310100", "310117", "上海市松江区", ["九亭镇涞寅路", "新桥镇民益路"]),
    "苏州": ("320000", "320500", "320506", "江苏省苏州市吴中区", ["吴中大道", "东方大道", "宝带东路"]),
    "昆山": ("320000", "320500", "320583", "江苏省昆山市", ["前进东路", "黄浦江南路", "马鞍山中路"]),
    "无锡": ("320000", "320200", "320214", "江苏省无锡市新吴区", ["长江路", "新华路", "珠江路"]),
    "南京": ("320000", "320100", "320115", "江苏省南京市江宁区", ["天元东路", "胜太路", "秣周东路"]),
    "杭州": ("330000", "330100", "330109", "浙江省杭州市萧山区", ["市心北路", "建设一路", "金城路"]),
    "余杭": ("330000", "330100", "330110", "浙江省杭州市余杭区", ["文一西路", "五常大道", "良睦路"]),
    "宁波": ("330000", "330200", "330206", "浙江省宁波市北仑区", ["明州路", "新大路", "长江路"]),
    "合肥": ("340000", "340100", "340104", "安徽省合肥市蜀山区", ["望江西路", "创新大道"]),
    "北京": ("110000", "110100", "110115", "北京市大兴区", ["经海路", "科创十三街", "荣华南路"]),
    "天津": ("120000", "120100", "120116", "天津市滨海新区", ["第十一大街", "黄海路", "新港四号路"]),
    "青岛": ("370000", "370200", "370211", "山东省青岛市黄岛区", ["江山南路", "长江中路", "淮河东路"]),
}
AUTO_PLACES = ["上海", "闵行", "嘉定", "松江", "昆山"]  # a dealership sells near its showroom
BRANDS = [
    "恒通",
    "宏达",
    "金鼎",
    "瑞丰",
    "东升",
    "泰和",
    "鑫源",
    "博远",
    "永盛",
    "华锐",
    "精诚",
    "天宇",
    "联创",
    "启明",
    "国泰",
    "中晟",
    "弘毅",
    "卓越",
    "新纪元",
    "长风",
    "盛世",
    "海纳",
    "凯达",
    "益和",
    "同舟",
    "明远",
    "汇丰源",
    "德利",
    "正源",
    "佳信",
]
# (trade in the name, industry code, what a salesperson notes about such a customer)
INDUSTRIAL_TRADES = [
    (
        "精密机械",
        "manufacturing",
        ["现有数控设备使用超过十年，计划分两期更新。", "年产能扩张，明年上半年新增两条加工线。"],
    ),
    (
        "汽车零部件",
        "manufacturing",
        ["给主机厂配套，交期要求严，重视设备稳定性。", "正在建设新厂房，预计三季度设备进场。"],
    ),
    ("电子科技", "it", ["产线自动化改造，关注检测设备和数据采集。", "外资背景，技术评审严格，需要英文资料。"]),
    ("食品", "manufacturing", ["扩建包装车间，需要整线方案和卫生认证资料。", "关注能耗和清洗便利，要求提供节能方案。"]),
    ("新材料", "energy", ["研发中心采购试验设备，预算已批。", "对防爆等级有要求，需提供认证证书。"]),
    ("化工", "energy", ["安全环保整改，需更换部分老旧设备。", "采购需经集团招标，决策周期较长。"]),
    ("电气设备", "manufacturing", ["与我司有过小批量合作，付款及时。", "新项目中标，需配套生产设备。"]),
    ("包装材料", "manufacturing", ["订单增长快，现有产能不足。", "老板亲自决策，看重售后响应速度。"]),
    ("物流", "logistics", ["新建仓储中心，需要输送分拣设备。", "关注设备租赁和分期付款方案。"]),
    ("医疗器械", "healthcare", ["洁净车间改造，对设备材质有要求。", "通过了注册检验，准备扩大生产。"]),
]
FLEET_TRADES = [
    ("物流", "logistics", ["公司车队更新，计划年内置换五辆轻型商用车。", "关注新能源车型和充电桩配套。"]),
    ("汽车租赁", "services", ["租赁业务扩张，批量采购需要政策支持。", "看重保养套餐和残值。"]),
    ("建筑工程", "construction", ["项目经理用车，要求四驱和售后网点多。", "年底前要提车，预算已批。"]),
    ("商贸", "trade", ["老板自用商务车，比较了几个品牌。", "公司接待用车，倾向七座车型。"]),
]
PRIVATE_REMARKS = [
    "家庭第二辆车，预算二十万左右。",
    "首次购车，关注油耗和保养费用。",
    "老客户转介绍，想置换旧车。",
    "看中新能源车型，家里能装充电桩。",
    "孩子上学接送用，倾向空间大的SUV。",
    "周末带家人来店试驾过一次。",
]
POSITIONS = ["采购经理", "设备部主管", "生产总监", "总经理", "技术负责人", "工程部经理"]
FLEET_POSITIONS = ["行政主管", "车队经理", "总经理助理", "采购专员"]
SOURCES = {"industrial": ["telemarketing", "online", "exhibition", "introduction"],
           "auto": ["walk_in", "walk_in", "online", "introduction", "sub_dealer"]}  # fmt: skip
CITY_OF = {"闵行": "上海", "嘉定": "上海", "松江": "上海", "余杭": "杭州"}  # the city a company is named after
_TYPES = {"nature": "company_nature", "revenue_band": "revenue_band"}


def load(out: TextIO) -> None:
    if Customer.all_objects.exists():
        out.write(f"Demo customers: {Customer.objects.count()} already there.\n")
        return
    fake = Faker("zh_CN")
    fake.seed_instance(2027)
    rng = random.Random(2027)
    people = {user.username: user for user in User.objects.filter(username__in=INDUSTRIAL_OWNERS + AUTO_OWNERS)}
    _project_sales_take_a_year()
    choices = {field: [code for code, _label in dictionary_choices(type_code)] for field, type_code in _TYPES.items()}
    regions_loaded = Region.objects.filter(code="310115").exists()  # tests run without the region table
    drafts = [("industrial", rng.choice(INDUSTRIAL_OWNERS)) for _n in range(INDUSTRIAL)]
    drafts += [("auto", rng.choice(AUTO_OWNERS)) for _n in range(AUTO)]
    # oldest first, so a customer's number and id follow its registration date; most of them recent
    when = sorted((_registered_at(rng, unit), unit, owner) for unit, owner in drafts)
    created = 0
    for moment, unit, username in when:
        owner = people.get(username)
        if owner is None:
            continue
        place = rng.choice(list(PLACES) if unit == "industrial" else AUTO_PLACES)
        data, contact = _industrial(fake, rng, place) if unit == "industrial" else _auto(fake, rng, place)
        data.update({field: rng.choice(codes) for field, codes in choices.items() if codes and field in data})
        data["source"] = rng.choice(SOURCES[unit])
        if data["source"] == "introduction":
            data["introducer"] = fake.name()
        province, city, county, district, streets = PLACES[place]
        data["address"] = f"{district}{rng.choice(streets)}{rng.randint(1, 1999)}号"
        if regions_loaded:
            data.update(province=province, city=city, county=county)
        # a drawn name that exists already would open a conflict case (SPEC §3.4): skip it instead
        phones = [str(data.get("phone", "")), contact["mobile"]]
        if owner.business_unit_id is None or customer_duplicates(
            unit_id=owner.business_unit_id, name=str(data["name"]), phones=phones
        ):
            continue
        try:
            with as_of(moment):
                customer_create(actor=owner, data=data, contact=contact)
        except (DomainError, ValidationError):
            continue  # a generated phone that does not validate: leave that one out
        created += 1
    out.write(f"Demo customers: {created} added, registered over the past year.\n")


def _project_sales_take_a_year() -> None:
    """An equipment project runs for months: the industrial unit keeps a customer a year without a deal (the
    default, 90 days, suits the dealership)."""
    admin = User.objects.filter(username="unitadmin").select_related("department__business_unit").first()
    if admin is not None and admin.department is not None:
        parameters_set(actor=admin, unit=admin.department.business_unit, values={"pool.no_deal_days": 365})


def _registered_at(rng: random.Random, unit: str) -> datetime:
    """Industrial projects run for months, so those customers go back a year; the dealership keeps a
    customer about three months (its no-deal rule), so its customers are recent."""
    oldest = 360 if unit == "industrial" else 80
    days = 1 + min(int(rng.expovariate(1 / (oldest / 3))), oldest)  # more lately than long ago; none later today
    return office_moment(rng, workday_back(rng, newest=days, oldest=days))


def _industrial(fake: Faker, rng: random.Random, place: str) -> tuple[dict[str, object], dict[str, str]]:
    trade, industry, remarks = rng.choice(INDUSTRIAL_TRADES)
    data: dict[str, object] = {
        "name": f"{CITY_OF.get(place, place)}{rng.choice(BRANDS)}{trade}有限公司",
        "kind": "company",
        "industry": industry,
        "level": rng.choice(Level.values),
        "rating": rng.choice([None, 1, 2, 3]),
        "phone": fake.phone_number(),
        "website": f"https://www.{fake.domain_word()}.cn",
        "remarks": rng.choice(remarks),
        "nature": "",
        "revenue_band": "",
    }
    return data, {"name": fake.name(), "mobile": fake.phone_number(), "position": rng.choice(POSITIONS)}


def _auto(fake: Faker, rng: random.Random, place: str) -> tuple[dict[str, object], dict[str, str]]:
    if rng.random() < 0.7:  # most buyers are people; a few companies buy for their fleet
        name, mobile = fake.name(), fake.phone_number()
        data: dict[str, object] = {"name": name, "kind": "individual", "industry": "", "phone": mobile,
                                   "remarks": rng.choice(PRIVATE_REMARKS)}  # fmt: skip
        return {**data, "level": rng.choice(Level.values)}, {"name": name, "mobile": mobile}
    trade, industry, remarks = rng.choice(FLEET_TRADES)
    data = {
        "name": f"{CITY_OF.get(place, place)}{rng.choice(BRANDS)}{trade}有限公司",
        "kind": "company",
        "industry": industry,
        "level": rng.choice(Level.values),
        "phone": fake.phone_number(),
        "remarks": rng.choice(remarks),
        "nature": "",
    }
    return data, {"name": fake.name(), "mobile": fake.phone_number(), "position": rng.choice(FLEET_POSITIONS)}
