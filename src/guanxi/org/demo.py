"""The demo company: 华信集团, two business units — 华东工业装备 (industrial equipment, project sales) and 汽车销售
(a car dealership) — each with its department tree, unit admin, managers and salespeople; the group's
administrator and management see both units."""

from datetime import date, timedelta
from typing import TextIO

from django.contrib.auth.hashers import make_password
from faker import Faker

from guanxi.core.config.custom_fields import custom_field_create, custom_fields_for, custom_values_update
from guanxi.core.models import CustomField

from .models import BusinessUnit, Department, Role, User
from .services import roles_sync_defaults

DEMO_PASSWORD = "guanxi-demo"

# unit code → (name, [(path from the top, lead's username)])
UNITS = {
    "industrial": (
        "华东工业装备",
        [
            (["总部"], "gm"),
            (["总部", "销售中心"], "director"),
            (["总部", "销售中心", "华东大区"], "east"),
            (["总部", "销售中心", "华东大区", "上海一部"], "sh.manager"),
            (["总部", "销售中心", "华东大区", "杭州部"], None),
            (["总部", "销售中心", "华北大区"], None),
            (["总部", "销售中心", "华北大区", "北京一部"], "bj.manager"),
            (["总部", "客户服务部"], "service"),
            (["总部", "市场部"], "marketing"),
            (["总部", "财务部"], "finance"),
            (["总部", "信息技术部"], "admin"),
        ],
    ),
    "auto": (
        "汽车销售",
        [
            (["汽车销售公司"], "auto.head"),
            (["汽车销售公司", "展厅销售部"], "auto.manager"),
            (["汽车销售公司", "展厅销售部", "大客户组"], None),
            (["汽车销售公司", "运营管理部"], "auto.admin"),
        ],
    ),
}

# (username, department, manager's username, role code, "where · job title") — SPEC §1.3's levels and more; the
# job title is also the person's 职位 custom field.
# admin, gm and finance work for the group: their roles see every unit.
PEOPLE = [
    ("admin", "信息技术部", None, "system_admin", "集团（全部业务单元） · 系统管理员"),
    ("gm", "总部", None, "group_management", "集团（全部业务单元） · 总经理"),
    ("finance", "财务部", "gm", "group_management", "集团（全部业务单元） · 财务总监"),
    ("director", "销售中心", "gm", "unit_head", "华东工业装备 · 销售总监"),
    ("unitadmin", "信息技术部", "admin", "unit_admin", "华东工业装备 · 系统管理员"),
    ("east", "华东大区", "director", "sales_manager", "华东工业装备 · 华东大区经理"),
    ("sh.manager", "上海一部", "east", "sales_manager", "华东工业装备 · 上海一部经理"),
    ("sales1", "上海一部", "sh.manager", "salesperson", "华东工业装备 · 销售工程师"),
    ("sales2", "上海一部", "sh.manager", "salesperson", "华东工业装备 · 销售工程师"),
    ("sales3", "杭州部", "east", "salesperson", "华东工业装备 · 销售工程师"),
    ("bj.manager", "北京一部", "director", "sales_manager", "华东工业装备 · 北京一部经理"),
    ("sales4", "北京一部", "bj.manager", "salesperson", "华东工业装备 · 销售工程师"),
    ("service", "客户服务部", "gm", "salesperson", "华东工业装备 · 客服专员"),
    ("marketing", "市场部", "gm", "salesperson", "华东工业装备 · 市场专员"),
    ("auto.head", "汽车销售公司", "gm", "unit_head", "汽车销售 · 总经理"),
    ("auto.admin", "运营管理部", "auto.head", "unit_admin", "汽车销售 · 运营主管"),
    ("auto.finance", "运营管理部", "auto.head", "finance", "汽车销售 · 财务主管"),
    ("auto.manager", "展厅销售部", "auto.head", "sales_manager", "汽车销售 · 展厅销售经理"),
    ("auto.sales1", "展厅销售部", "auto.manager", "salesperson", "汽车销售 · 销售顾问"),
    ("auto.sales2", "展厅销售部", "auto.manager", "salesperson", "汽车销售 · 销售顾问"),
    ("auto.sales3", "大客户组", "auto.manager", "salesperson", "汽车销售 · 大客户经理"),
]


def load(out: TextIO) -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(2026)  # the same names on every machine
    departments: dict[str, Department] = {}  # department names are unique across the demo's units
    for code, (name, tree) in UNITS.items():
        unit, _ = BusinessUnit.objects.get_or_create(code=code, defaults={"name": name})
        for path, _lead in tree:
            parent = departments.get(path[-2]) if len(path) > 1 else None
            department, _ = Department.objects.get_or_create(business_unit=unit, parent=parent, name=path[-1])
            department.path = f"{parent.path if parent else '/'}{department.pk}/"
            department.save(update_fields=["path"])
            departments[path[-1]] = department

    people: dict[str, User] = {}
    created = 0
    password = make_password(DEMO_PASSWORD)  # hashed once: twenty slow hashes of one password add nothing
    roles_sync_defaults()
    roles = {role.code: role for role in Role.objects.all()}
    for username, department_name, manager, role, _title in PEOPLE:
        name, mobile = fake.name(), fake.phone_number()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                display_name=name,
                mobile=mobile,
                email=f"{username}@huaxin.example.cn",
                department=departments[department_name],
                manager=people.get(manager or ""),
                is_superuser=username == "admin",
            )
            user.password = password
            user.save()
            user.roles.set([roles[role]])
            created += 1
        people[username] = user

    for _name, tree in UNITS.values():
        for path, lead in tree:
            department = departments[path[-1]]
            if lead and department.lead_id is None:
                department.lead = people[lead]
                department.save(update_fields=["lead"])

    _letterheads(people["admin"])
    units = "、".join(name for name, _tree in UNITS.values())
    out.write(f"Demo company: 华信集团 ({units}) — {created} people added, {len(people)} in all.\n")
    out.write("".join(f"{line}\n" for line in signins()))
    _custom_fields(out)


LETTERHEADS = {  # what the demo units' quotes and contracts print (fictitious registration data)
    "industrial": {
        "company.legal_name": "华信华东工业装备有限公司",
        "company.address": "上海市浦东新区张江高科技园区郭守敬路 498 号",
        "company.phone": "021-5080 1234", "company.tax_number": "91310115MA1K4R8X2L",
        "company.bank": "中国工商银行上海张江支行 1001 2345 6789 0123 456",
        "company.website": "www.huaxin-equip.example.cn",
    },
    "auto": {
        "company.legal_name": "华信汽车销售服务有限公司", "company.address": "杭州市西湖区文三路 259 号",
        "company.phone": "0571-8821 5566", "company.tax_number": "91330106MA2H7P3Q5N",
        "company.bank": "招商银行杭州文三支行 5719 0812 3410 001", "company.website": "www.huaxin-auto.example.cn",
    },
}  # fmt: skip


def _letterheads(admin: User) -> None:
    from guanxi.core.config.parameters import parameter_value, parameters_set

    for code, values in LETTERHEADS.items():
        unit = BusinessUnit.objects.filter(code=code).first()
        if unit is not None and not parameter_value("company.legal_name", unit=unit):
            parameters_set(actor=admin, unit=unit, values=values)


def signins() -> list[str]:
    """The demo's sign-ins, one line each, for `guanxi demo` and `guanxi serve`; none when it is not loaded."""
    names = dict(User.objects.filter(username__in=[row[0] for row in PEOPLE]).values_list("username", "display_name"))
    if not names:
        return []
    return [f"Demo sign-ins (password {DEMO_PASSWORD}):"] + [
        f"  {username:13} {names[username]:4}  {title}" for username, *_rest, title in PEOPLE if username in names
    ]


FIELDS = [
    ("employee_no", "工号", CustomField.Type.TEXT, "公司发放的员工编号"),
    ("hire_date", "入职日期", CustomField.Type.DATE, ""),
    ("job_title", "职位", CustomField.Type.TEXT, ""),
]
JOB_TITLES = {username: title.split(" · ")[-1] for username, *_rest, title in PEOPLE}


def _custom_fields(out: TextIO) -> None:
    """Three custom fields on users (工号, 入职日期, 职位), filled in for every demo person."""
    admin = User.objects.filter(is_superuser=True, status=User.Status.ACTIVE).order_by("pk").first()
    if admin is None:
        out.write("Custom fields: no administrator yet, skipped.\n")
        return
    existing = {field.key for field in custom_fields_for(User, unit=None, enabled_only=False)}
    for key, label, type, help_text in FIELDS:
        if key not in existing:
            custom_field_create(actor=admin, model="org.user", key=key, label=label, type=type, help_text=help_text)

    filled = 0
    for number, user in enumerate(User.objects.order_by("date_joined", "pk"), start=1):
        values = {}
        if "employee_no" not in (user.custom or {}):
            hired = date(2018, 3, 1) + timedelta(days=97 * number)  # the same dates on every machine
            values = {"employee_no": f"HX{number:04d}", "hire_date": hired.isoformat()}
        if user.username in JOB_TITLES and "job_title" not in (user.custom or {}):
            values["job_title"] = JOB_TITLES[user.username]
        if values:
            custom_values_update(actor=admin, obj=user, values=values)
            filled += 1
    out.write(f"Custom fields on users: 工号, 入职日期, 职位 — {filled} people filled in.\n")
