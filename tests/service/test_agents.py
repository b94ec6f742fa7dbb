"""Who handles which ticket types (the skills dispatch suggests by): seen by the service team, changed by a
service administrator of the agent's own unit only."""

import pytest

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.org.models import User
from guanxi.service import services
from guanxi.service.models import Skill
from tests.conftest import client_for, grant
from tests.service.conftest import Desk, open_ticket


def skills(agent: User) -> list[str]:
    return sorted(Skill.objects.filter(user=agent).values_list("type", flat=True))


def test_a_service_manager_sets_what_an_agent_handles_and_dispatch_follows(desk: Desk) -> None:
    services.agent_skills_set(actor=desk.mei, agent=desk.tao, types=["repair", "complaint"])
    assert skills(desk.tao) == ["complaint", "repair"]
    ticket = open_ticket(desk.mei, desk.customer, type="repair")
    assert set(services.dispatch_suggestions(ticket=ticket)) == {desk.sam, desk.tao}
    services.agent_skills_set(actor=desk.mei, agent=desk.tao, types=[])
    assert skills(desk.tao) == [] and services.dispatch_suggestions(ticket=ticket) == [desk.sam]


def test_refusals_other_unit_not_an_agent_unknown_type_no_permission(desk: Desk) -> None:
    with pytest.raises(NotPermitted):
        services.agent_skills_set(actor=desk.mei, agent=desk.uma, types=["repair"])  # Hangzhou's agent
    with pytest.raises(DomainError):
        services.agent_skills_set(actor=desk.mei, agent=desk.alice, types=["repair"])  # no service role
    with pytest.raises(DomainError) as unknown:
        services.agent_skills_set(actor=desk.mei, agent=desk.sam, types=["teleport"])
    assert unknown.value.field == "types"
    with pytest.raises(NotPermitted):
        services.agent_skills_set(actor=desk.sam, agent=desk.sam, types=["repair"])  # agents do not configure
    assert skills(desk.sam) == ["complaint", "repair"]


def test_the_agents_page_shows_load_and_skills_and_saves_them(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    client = client_for(desk.mei)
    page = client.get("/service/agents/")
    assert page.status_code == 200 and "山姆" in page.text and "乌玛" not in page.text  # own unit only
    saved = client.post(f"/service/agents/{desk.tao.pk}/skills/", {"types": ["consultation", "complaint"]})
    assert saved.status_code == 302 and skills(desk.tao) == ["complaint", "consultation"]
    assert client_for(desk.sam).post(f"/service/agents/{desk.tao.pk}/skills/", {"types": []}).status_code == 403
    assert client.post(f"/service/agents/{desk.uma.pk}/skills/", {"types": []}).status_code == 404


def test_the_api_lists_agents_with_their_load_and_replaces_skills(desk: Desk) -> None:
    grant(desk.ben, "service_manager")
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    client = client_for(desk.mei)
    rows = {row["display_name"]: row for row in client.get("/api/v1/service-agents/").json()}
    assert rows["山姆"]["open_load"] == 1 and rows["山姆"]["skills"] == ["complaint", "repair"]
    assert "乌玛" not in rows
    answer = client.put(f"/api/v1/service-agents/{desk.tao.pk}/skills/", {"skills": ["repair"]}, "application/json")
    assert answer.status_code == 200 and answer.json()["skills"] == ["repair"]
    bad = client.put(f"/api/v1/service-agents/{desk.tao.pk}/skills/", {"skills": ["x"]}, "application/json")
    assert bad.status_code == 400
    other = client_for(desk.ben).put(
        f"/api/v1/service-agents/{desk.tao.pk}/skills/", {"skills": []}, "application/json"
    )
    assert other.status_code == 404 and skills(desk.tao) == ["repair"]
