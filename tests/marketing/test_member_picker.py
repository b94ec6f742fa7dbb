"""The campaign page's member picker: a search by name through the scope gate (another unit's people are not
found), those already members marked, the people picked added with do-not-contact skipped and counted."""

from django.contrib.messages import get_messages
from django.urls import reverse

from guanxi.marketing.campaigns import selectors, services
from guanxi.marketing.campaigns.models import CampaignMember
from guanxi.marketing.messages.models import OptOutReason
from guanxi.marketing.messages.services import opt_out_record
from tests.conftest import TwoUnits, client_for

from .conftest import campaign, customer, lead


def test_the_search_finds_visible_people_and_marks_members(units: TwoUnits) -> None:
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001", "buyer@huaxin.cn")
    open_lead = lead(units.alice, "华信王经理", "13900000002", company="华信物流")
    customer(units.bella, "杭州华信机电有限公司", "13900000003")  # unit B: not Alice's to see
    fair = campaign(units.alice)
    services.campaign_members_add(actor=units.alice, campaign=fair, kind="customer", ids=[huaxin.pk])
    found = selectors.member_candidates(actor=units.alice, campaign=fair, query=" 华信 ")
    assert [(c.kind, c.pk, c.member) for c in found] == [
        ("customer", huaxin.pk, True), ("lead", open_lead.pk, False),
    ]  # fmt: skip
    contact = huaxin.contacts.get()
    assert [(c.kind, c.pk, c.detail) for c in selectors.member_candidates(
        actor=units.alice, campaign=fair, query=contact.name)] == [("contact", contact.pk, huaxin.name)]  # fmt: skip
    assert selectors.member_candidates(actor=units.alice, campaign=fair, query="   ") == []
    alice = client_for(units.alice)
    picks = alice.get(reverse("marketing:members_find", args=[fair.pk]), {"find": "华信"})
    html = picks.content.decode()
    assert picks.status_code == 200 and f'value="lead:{open_lead.pk}"' in html and "杭州华信" not in html
    page = alice.get(reverse("marketing:campaign", args=[fair.pk]), {"find": "华信"})  # without script: the page
    assert 'id="member-find"' in page.content.decode() and f'value="lead:{open_lead.pk}"' in page.content.decode()
    nobody = alice.get(reverse("marketing:members_find", args=[fair.pk]), {"find": "不存在的人"})
    assert 'name="pick"' not in nobody.content.decode()
    assert client_for(units.bella).get(reverse("marketing:members_find", args=[fair.pk])).status_code == 404


def test_the_people_picked_are_added_and_do_not_contact_is_skipped_and_counted(units: TwoUnits) -> None:
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001")
    hengli = customer(units.alice, "苏州恒力机械有限公司", "13900000004")
    open_lead = lead(units.alice, "华信王经理", "13900000002")
    contact = huaxin.contacts.get()
    opt_out_record(unit_id=units.unit.pk, reason=OptOutReason.DO_NOT_CONTACT, contact=hengli.contacts.get())
    fair = campaign(units.alice)
    alice = client_for(units.alice)
    picks = [f"contact:{contact.pk}", f"lead:{open_lead.pk}", f"customer:{hengli.pk}", "lead:999999", "junk", "x:1"]
    answer = alice.post(reverse("marketing:members_pick", args=[fair.pk]), {"pick": picks})
    assert answer.status_code == 302 and answer["Location"].endswith("#members")
    told = [str(m) for m in get_messages(answer.wsgi_request)]
    assert told and "1" in told[0]
    assert services.campaign_members_pick(actor=units.alice, campaign=fair, picks=picks) == {
        "added": 0, "already": 2, "opted_out": 1, "not_found": 1,
    }  # fmt: skip
    assert set(CampaignMember.objects.filter(campaign=fair).values_list("kind", "contact_id", "lead_id")) == {
        ("contact", contact.pk, None), ("lead", None, open_lead.pk),
    }  # fmt: skip
    empty = alice.post(reverse("marketing:members_pick", args=[fair.pk]), {"pick": ["junk"]})
    assert empty.status_code == 302 and CampaignMember.objects.filter(campaign=fair).count() == 2
    assert [m.level_tag for m in get_messages(empty.wsgi_request)][-1] == "error"
    bella = client_for(units.bella)
    assert bella.post(reverse("marketing:members_pick", args=[fair.pk]), {"pick": picks}).status_code == 404
