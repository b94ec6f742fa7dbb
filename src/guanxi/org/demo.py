"""The demo company: one unit, a four-level department tree and a dozen people in the default roles."""

from typing import TextIO

from faker import Faker

from .models import BusinessUnit, Department, Role, User
from .services import roles_sync_defaults

DEMO_PASSWORD = "guanxi-demo"

# (path from the top, lead's username)
DEPARTMENTS = [
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
]

# (username, department, manager's username, role code, what the person does) — SPEC §1.3's levels and more
PEOPLE = [
    ("admin", "信息技术部", None, "system_admin", "System admin"),
    ("gm", "总部", None, "group_management", "Group management"),
    ("director", "销售中心", "gm", "unit_head", "Unit head"),
    ("unitadmin", "信息技术部", "admin", "unit_admin", "Unit admin"),
    ("east", "华东大区", "director", "sales_manager", "Regional sales manager"),
    ("sh.manager", "上海一部", "east", "sales_manager", "Sales manager"),
    ("sales1", "上海一部", "sh.manager", "salesperson", "Salesperson"),
    ("sales2", "上海一部", "sh.manager", "salesperson", "Salesperson"),
    ("sales3", "杭州部", "east", "salesperson", "Salesperson"),
    ("bj.manager", "北京一部", "director", "sales_manager", "Sales manager"),
    ("sales4", "北京一部", "bj.manager", "salesperson", "Salesperson"),
    ("service", "客户服务部", "gm", "salesperson", "Service agent"),
    ("marketing", "市场部", "gm", "salesperson", "Marketing"),
    ("finance", "财务部", "gm", "group_management", "Finance"),
]


def load(out: TextIO) -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(2026)  # the same names on every machine
    unit, _ = BusinessUnit.objects.get_or_create(code="hq", defaults={"name": "上海华信科技有限公司"})

    departments: dict[str, Department] = {}
    for path, _lead in DEPARTMENTS:
        parent = departments.get(path[-2]) if len(path) > 1 else None
        department, _ = Department.objects.get_or_create(business_unit=unit, parent=parent, name=path[-1])
        department.path = f"{parent.path if parent else '/'}{department.pk}/"
        department.save(update_fields=["path"])
        departments[path[-1]] = department

    people: dict[str, User] = {}
    created = 0
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
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.roles.set([roles[role]])
            created += 1
        people[username] = user

    for path, lead in DEPARTMENTS:
        department = departments[path[-1]]
        if lead and department.lead_id is None:
            department.lead = people[lead]
            department.save(update_fields=["lead"])

    out.write(f"Demo company: {unit.name} — {created} people added, {len(people)} in all.\n")
    out.write(f"Demo sign-ins (password {DEMO_PASSWORD}):\n")
    for username, _department, _manager, _role, title in PEOPLE:
        out.write(f"  {username:12} {people[username]}  {title}\n")
