"""Sales scripts: proposed by salespeople, curated by managers, voted once per person, found by stage."""

import pytest
from django.core.exceptions import ValidationError

from guanxi.collab.scripts import selectors, services
from guanxi.collab.scripts.models import Script, ScriptVote
from guanxi.core.errors import NotPermitted
from guanxi.org.models import User
from tests.conftest import TwoUnits, grant


def write(actor: User, **data: object) -> Script:
    return services.script_create(
        actor=actor, data={"title": "价格异议", "scenario": "price_objection", "body": "算一笔账", **data}
    )


def test_a_salesperson_proposes_and_only_a_manager_recommends_or_edits_others(two_units: TwoUnits) -> None:
    grant(two_units.bob, "sales_manager")
    mine = write(two_units.alice, featured=True)
    assert not mine.featured  # recommending is the managers'
    with pytest.raises(NotPermitted):
        services.script_update(actor=two_units.bella, script=mine, version=mine.version, data={"title": "改"})
    featured = services.script_feature(actor=two_units.bob, script=mine, featured=True)
    edited = services.script_update(
        actor=two_units.bob, script=featured, version=featured.version, data={"title": "价格太贵怎么办"}
    )
    assert (edited.featured, edited.title) == (True, "价格太贵怎么办")


def test_bad_input_is_refused_by_field(two_units: TwoUnits) -> None:
    with pytest.raises(ValidationError) as refused:
        services.script_create(actor=two_units.alice, data={"title": "", "scenario": "gossip", "body": " "})
    assert set(refused.value.message_dict) == {"title", "scenario", "body"}
    assert Script.all_objects.count() == 0


def test_a_vote_counts_once_per_person_and_can_change(two_units: TwoUnits) -> None:
    grant(two_units.bob, "sales_manager")
    script = write(two_units.alice)
    services.script_vote(actor=two_units.bob, script=script, useful=True)
    services.script_vote(actor=two_units.bob, script=script, useful=True)
    voted = services.script_vote(actor=two_units.alice, script=script, useful=False)
    assert (voted.useful_count, voted.not_useful_count) == (1, 1)
    voted = services.script_vote(actor=two_units.alice, script=script, useful=True)
    assert (voted.useful_count, voted.not_useful_count, ScriptVote.objects.count()) == (2, 0, 2)
    with pytest.raises(NotPermitted):
        services.script_vote(actor=two_units.bella, script=script, useful=True)  # another unit's library


def test_the_library_filters_by_scenario_words_and_puts_recommended_first(two_units: TwoUnits) -> None:
    grant(two_units.bob, "sales_manager")
    write(two_units.alice, title="开场白", scenario="first_call", body="三十秒说清来意")
    best = services.script_feature(
        actor=two_units.bob, script=write(two_units.alice, title="竞品对比", scenario="competitor"), featured=True
    )
    write(two_units.bella, title="杭州的话术", scenario="first_call")
    assert [s.title for s in selectors.library(actor=two_units.alice, filters={"scenario": "first_call"})] == ["开场白"]
    assert [s.title for s in selectors.library(actor=two_units.alice, filters={"q": "来意"})] == ["开场白"]
    assert selectors.library(actor=two_units.alice)[0] == best
    assert [s.title for s in selectors.library(actor=two_units.bella)] == ["杭州的话术"]
