"""The call centre (SPEC §9.6): the phone lookup over two million contacts (≤ 10 ms p95) in the formats a PBX
or a person sends, the pop-up's poll (every open page of an agent, once a second) and an incoming event."""

from __future__ import annotations

from urllib.parse import quote

from guanxi.calls import selectors
from guanxi.customers.models import Contact
from guanxi.org.models import User

from .dataset_calls import AGENT, PBX
from .harness import NotBuilt, Picks, Probe, case, has_text, url

LOOKUP = 10
POLL = 10
EVENT = 50


def _user(username: str) -> User:
    user = User.objects.select_related("department").filter(username=username).first()
    if user is None:
        raise NotBuilt(f"{username} is not in the dataset (tests/bench/dataset_calls.py)")
    return user


def _lookup(number: str) -> str:
    return f"/api/v1/phone-lookup/?number={quote(number)}"


def _mobile(offset: int) -> str:
    return str(Contact.objects.exclude(mobile="").order_by("pk").values_list("mobile", flat=True)[offset])


def _landline(offset: int) -> str:
    return str(Contact.objects.exclude(phone="").order_by("pk").values_list("phone", flat=True)[offset])


@case("phone lookup +86 mobile (call agent, unit)", target_ms=LOOKUP, group="calls")
def lookup_mobile(picks: Picks) -> Probe:
    mobile = _mobile(1000)
    return Probe(_user(AGENT), _lookup(f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"), check=has_text('"customer":'))


@case("phone lookup full-width mobile (admin, all units)", target_ms=LOOKUP, group="calls")
def lookup_full_width(picks: Picks) -> Probe:
    wide = _mobile(50_000).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return Probe(picks.admin, _lookup(wide), check=has_text('"customer":'))


@case("phone lookup landline with extension (call agent)", target_ms=LOOKUP, group="calls")
def lookup_landline(picks: Picks) -> Probe:
    phone = _landline(2000)
    split = 3 if phone[1] in "12" else 4
    return Probe(_user(AGENT), _lookup(f"{phone[:split]}-{phone[split:]} 转 801"), check=has_text('"customer":'))


@case("phone lookup unknown number (call agent)", target_ms=LOOKUP, group="calls")
def lookup_unknown(picks: Picks) -> Probe:
    return Probe(_user(AGENT), _lookup("0086 199 0000 0000"), check=has_text('"matches":[]'))


@case("pop-up poll, nothing new (agent)", target_ms=POLL, group="calls")
def pop_poll(picks: Picks) -> Probe:
    agent = _user(AGENT)
    shown = selectors.pop_key(selectors.pop_call(actor=agent))  # what the agent's page shows now
    return Probe(agent, url("calls:pop", shown=shown), expect=204)


@case("call event from the PBX (ringing, matched)", target_ms=EVENT, group="calls")
def call_event(picks: Picks) -> Probe:
    mobile = _mobile(3000)

    def data(n: int) -> dict[str, str]:
        return {"call_id": f"bench-{n}-{id(data)}", "event": "ringing", "number": mobile, "extension": "8001"}

    return Probe(_user(PBX), "/api/v1/calls/", method="post", data=data, expect=201)
