"""The demo call centres (SPEC §9.6) of both units: each unit's PBX connection and its integration user, the
service desks' extensions (with a role that lets the agents look up the unit's customers), and yesterday's
calls on the service team's timeline — answered, missed, from strangers, one for an extension nobody has —
posted as the PBX would post them, each event at its moment."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from guanxi.core.demo import as_of, office_moment
from guanxi.customers.models import Contact
from guanxi.org.models import BusinessUnit, Department, Role, User
from guanxi.org.services import role_save

from . import services
from .models import Call

DEMO_PASSWORD = "guanxi-demo"

# unit code → (department of the desk, PBX user, area code, [(agent, extension)])
DESKS = {
    "industrial": ("客户服务部", "pbx", "021", [("service", "8001"), ("svc1", "8002"), ("svc2", "8003")]),
    "auto": ("运营管理部", "auto.pbx", "0571", [("auto.service", "8101"), ("auto.svc1", "8102")]),
}
LOOKUP = ["customers.view", "activities.view", "activities.create", "leads.view", "leads.create"]
STRANGERS = ["13671234567", "18917654321", "0755-2688 1234", "+86 159 0011 2233", "021-5899 7766"]


def load(out: TextIO) -> None:
    if Call.objects.exists():
        out.write(f"Demo calls: {Call.objects.count()} already there.\n")
        return
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        out.write("Demo calls: the demo company is missing, skipped.\n")
        return
    pbx_role, lookup_role = _roles(admin)
    rng = random.Random(2031)
    day = _yesterday()
    for code, (department_name, pbx_name, area_code, agents) in DESKS.items():
        unit = BusinessUnit.objects.filter(code=code).first()
        department = Department.objects.filter(business_unit=unit, name=department_name).first()
        people = [(User.objects.filter(username=name).first(), number) for name, number in agents]
        desk = [(person, number) for person, number in people if person is not None]
        if unit is None or department is None or not desk:
            continue
        pbx = _user(pbx_name, "呼叫中心交换机", department, pbx_role)
        services.pbx_connection_save(
            actor=admin, unit=unit, dial_url=f"http://pbx.{code}.huaxin.internal/api/dial",
            key=f"demo-{code}-key", area_code=area_code,
        )  # fmt: skip
        for person, number in desk:
            if person.username != "service" and person.username != "auto.service":
                person.roles.add(lookup_role)
                person.__dict__.pop("_grants", None)
            services.extension_set(actor=admin, user=person, number=number)
        _calls(rng, pbx, unit, day, [number for _person, number in desk])
    out.write(f"Demo calls: {Call.objects.count()} calls of {day:%Y-%m-%d} on the service desks' timelines.\n")


def _roles(admin: User) -> tuple[Role, Role]:
    def role(code: str, name: str, description: str, permissions: list[str]) -> Role:
        found = Role.objects.filter(code=code).first()
        return found or role_save(
            actor=admin, role=None, name=name, code=code, description=description, permissions=permissions,
            data_scope="unit", require_two_factor=False,
        )  # fmt: skip

    return (
        role("call_events", "交换机接口", "呼叫中心交换机推送通话事件所用的账号。", ["call_events.create"]),
        role("call_lookup", "呼叫中心坐席", "接听来电时查找本版块的客户、联系人，记录跟进，登记线索。", LOOKUP),
    )


def _user(username: str, name: str, department: Department, role: Role) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(
            username=username, display_name=name, department=department, password=make_password(DEMO_PASSWORD)
        )
    user.roles.add(role)
    user.__dict__.pop("_grants", None)
    return user


def _yesterday() -> date:
    day = timezone.localdate() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _calls(rng: random.Random, pbx: User, unit: BusinessUnit, day: date, extensions: list[str]) -> None:
    """About thirty calls of a working day: most from the unit's contacts, some from strangers, a few missed,
    a few outgoing, one for an extension nobody has."""
    numbers = list(
        Contact.objects.filter(customer__business_unit=unit)
        .exclude(mobile="")
        .order_by("pk")
        .values_list("mobile", flat=True)[:60]
    )
    if not numbers:
        return
    moments = sorted(office_moment(rng, day, hours=(9, 18)) + timedelta(minutes=rng.randrange(15)) for _ in range(30))
    for index, moment in enumerate(moments):
        stranger = index % 7 == 3
        number = rng.choice(STRANGERS) if stranger else rng.choice(numbers)
        extension = "8999" if index == 11 else rng.choice(extensions)
        direction = "outbound" if index % 6 == 5 else "inbound"
        missed = direction == "inbound" and index % 5 == 2
        call_id = f"{unit.code}-{day:%Y%m%d}-{index:03d}"
        base = {"call_id": call_id, "direction": direction, "number": number, "extension": extension}
        _event(pbx, base, "ringing", moment)
        if missed:
            _event(pbx, base, "ended", moment + timedelta(seconds=rng.randrange(15, 40)))
            continue
        answered = moment + timedelta(seconds=rng.randrange(4, 20))
        _event(pbx, base, "answered", answered)
        talked = rng.randrange(40, 600)
        recording = f"http://pbx.{unit.code}.huaxin.internal/recordings/{call_id}.mp3"
        _event(
            pbx, {**base, "duration": talked, "recording_url": recording}, "ended", answered + timedelta(seconds=talked)
        )


def _event(pbx: User, data: dict[str, object], event: str, moment: datetime) -> None:
    with as_of(moment):
        services.call_event_receive(actor=pbx, data={**data, "event": event, "at": moment.isoformat()})
