"""The service part of the benchmark dataset (tests/bench/dataset_service.py) loads as the app would store it,
and the knowledge-base search finds its articles by a two-character word and a longer one."""

import pytest
from django.conf import settings

from guanxi.org.models import User
from guanxi.service import selectors, services
from guanxi.service.models import Article, Ticket
from tests.bench import dataset, dataset_service

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)


@postgres_only
def test_the_benchmark_loads_a_service_desk_tickets_and_a_searchable_knowledge_base(db: None) -> None:
    dataset.load(dataset.Params(customers=200, contacts=400, users=30, departments=5, leads=0), out=lambda _: None)
    dataset_service.prepare(lambda _: None)

    assert Ticket.all_objects.count() == 400 and Article.all_objects.count() == 400
    agent = User.objects.get(username="bench.agent1")
    assert services.is_agent(agent) and agent.service_skills.exists()
    assert not Ticket.all_objects.filter(assignee=None).exclude(status="new").exists()
    found = selectors.article_list(actor=agent, query="油缸")
    assert found.exists() and all("油缸" in article.search_text for article in found)
    assert selectors.article_list(actor=agent, query="传感器").exists()
    dataset_service.prepare(lambda _: None)  # a second run finds the part loaded and leaves it
    assert Ticket.all_objects.count() == 400
