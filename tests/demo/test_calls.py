"""The demo's call centres: yesterday's calls in both units on the service desks' timelines."""

from io import StringIO

from guanxi.activities.models import FollowUp, Plan
from guanxi.calls.demo import load
from guanxi.calls.models import Call, Extension, PbxConnection


def test_both_units_took_a_day_of_calls_and_loading_again_adds_none(demo: str) -> None:
    calls = Call.objects.all()
    assert "Demo calls:" in demo
    assert set(calls.values_list("business_unit__code", flat=True)) == {"industrial", "auto"}
    assert PbxConnection.objects.count() == 2 and Extension.objects.filter(user__username="svc1").exists()
    answered = calls.filter(outcome="answered", customer__isnull=False)
    assert answered.exists()
    assert FollowUp.objects.filter(pk__in=answered.values("followup"), channel="phone").count() == answered.count()
    missed = calls.filter(outcome="missed", customer__isnull=False)
    assert Plan.objects.filter(pk__in=missed.values("callback_plan")).count() == missed.count() > 0
    assert calls.filter(agent__isnull=True, extension="8999").count() == 2  # one in each unit's queue
    assert calls.filter(direction="outbound").exists() and calls.filter(matches=0).exists()
    before = calls.count()
    out = StringIO()
    load(out)
    assert Call.objects.count() == before and "already there" in out.getvalue()
