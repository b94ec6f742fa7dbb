"""Demo service desks (SPEC §9) for both units: a manager and agents with skills, tickets of the past weeks in
every state (one urgent complaint left to miss its deadline and be escalated), and a knowledge base of thirty
articles, some on the public FAQ. Built through the services, each step as of its moment."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from faker import Faker

from guanxi.core.demo import as_of, office_moment, workday_back
from guanxi.customers.models import Customer
from guanxi.org.models import Department, Role, User

from . import knowledge, services, tasks
from .models import Article, Skill, Ticket

DEMO_PASSWORD = "guanxi-demo"

# unit code → (department, [(username, role, manager, skills)])
DESKS = {
    "industrial": (
        "客户服务部",
        [
            ("service", "service_manager", None, ["consultation", "suggestion", "complaint", "other"]),
            ("svc1", "service_agent", "service", ["repair", "complaint", "visit"]),
            ("svc2", "service_agent", "service", ["consultation", "repair", "other"]),
        ],
    ),
    "auto": (
        "运营管理部",
        [
            ("auto.service", "service_manager", None, ["complaint", "suggestion", "other"]),
            ("auto.svc1", "service_agent", "auto.service", ["repair", "consultation", "visit", "complaint"]),
        ],
    ),
}

# the states the demo's tickets reach, in turn: how many steps of the lifecycle each goes through
STATES = ["archived", "in_progress", "new", "resolved", "assigned", "feedback", "archived", "second_round"]

# the tickets (type, channel, priority, subject, description, handling notes) and articles of each unit
DATA = json.loads((Path(__file__).parent / "data" / "demo.json").read_text(encoding="utf-8"))


def load(out: TextIO) -> None:
    if Ticket.all_objects.exists():
        out.write(f"Demo tickets: {Ticket.objects.count()} already there.\n")
        return
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        out.write("Demo tickets: the demo company is missing, skipped.\n")
        return
    rng = random.Random(2029)
    for code, (department_name, team) in DESKS.items():
        department = Department.objects.filter(business_unit__code=code, name=department_name).first()
        customers = list(Customer.objects.filter(business_unit__code=code).order_by("pk")[:40])
        if department is None or not customers:
            continue
        people = _desk(department, team)
        manager, agents = people[0], people[1:]
        articles = _knowledge(manager, DATA["articles"][code])
        _tickets(rng, manager, agents, customers, DATA["tickets"][code], articles)
    late = tasks.sla_breaches(timezone.now())
    out.write(
        f"Demo service: {Ticket.objects.count()} tickets, {Article.objects.count()} knowledge-base articles; {late}.\n"
    )


def _desk(department: Department, team: list[tuple[str, str, str | None, list[str]]]) -> list[User]:
    """The desk's people with their roles and skills (the service manager first)."""
    roles = {role.code: role for role in Role.objects.all()}
    people: dict[str, User] = {}
    password = make_password(DEMO_PASSWORD)
    fake = Faker("zh_CN")
    fake.seed_instance(2030)
    for number, (username, role, manager, skills) in enumerate(team, start=1):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username,
                display_name=fake.name(),
                mobile=f"1391234{number:04d}",
                email=f"{username}@huaxin.example.cn",
                department=department,
                manager=people.get(manager or ""),
                password=password,
            )
        user.roles.add(roles[role])
        user.__dict__.pop("_grants", None)
        for skill in skills:
            Skill.objects.get_or_create(user=user, type=skill)
        people[username] = user
    return list(people.values())


def _knowledge(manager: User, rows: list[dict[str, Any]]) -> list[Article]:
    categories: dict[str, object] = {}
    articles = []
    for order, row in enumerate(rows):
        category = row["category"]
        if category not in categories:
            categories[category] = knowledge.category_create(actor=manager, name=category, sort_order=order)
        data = {
            "title": row["title"],
            "category": categories[category],
            "body": row["body"],
            "is_public": row["public"],
        }
        articles.append(knowledge.article_create(actor=manager, data=data))
    return articles


def _tickets(
    rng: random.Random,
    manager: User,
    agents: list[User],
    customers: list[Customer],
    rows: list[dict[str, Any]],
    articles: list[Article],
) -> None:
    for index, row in enumerate(rows):
        type, priority, subject, notes = row["type"], row["priority"], row["subject"], row["notes"]
        state = STATES[index % len(STATES)]
        if type == "complaint" and priority == "urgent":
            state = "new"  # left alone: it misses its deadline and the sweep escalates it
        if not notes and state not in ("new", "assigned", "in_progress"):
            state = "in_progress"
        day = workday_back(rng, newest=2 if state == "new" else 3, oldest=6 if state == "new" else 25)
        moment = office_moment(rng, day)
        customer = customers[index % len(customers)]
        data = {name: row[name] for name in ("type", "channel", "priority", "subject", "description")}
        with as_of(moment):
            ticket = services.ticket_create(actor=manager, customer=customer, data=data)
        if state == "new":
            continue
        agent = next((person for person in agents if person.service_skills.filter(type=type).exists()), agents[0])
        moment = _later(rng, moment)
        with as_of(moment):
            services.ticket_assign(actor=manager, ticket=ticket, assignee=agent)
        if state == "assigned":
            continue
        moment = _later(rng, moment)
        with as_of(moment):
            services.ticket_start(actor=agent, ticket=ticket)
        if state == "in_progress":
            continue
        moment = _later(rng, moment)
        used = [article for article in articles if article.title[:2] in subject][:1]
        with as_of(moment):
            services.ticket_resolve(actor=agent, ticket=ticket, resolution=notes, articles=used)
        if state == "resolved":
            continue
        moment = _later(rng, moment)
        with as_of(moment):
            if state == "feedback":
                services.ticket_feedback_link(actor=agent, ticket=ticket)
                continue
            if state == "second_round":  # unhappy the first time, satisfied after a second visit
                services.ticket_feedback(actor=manager, ticket=ticket, satisfaction=2, comment="问题反复出现")
        if state == "second_round":
            moment = _later(rng, moment)
            with as_of(moment):
                services.ticket_start(actor=agent, ticket=ticket)
            moment = _later(rng, moment)
            with as_of(moment):
                services.ticket_resolve(actor=agent, ticket=ticket, resolution=f"复查：{notes}")
            moment = _later(rng, moment)
        with as_of(moment):
            services.ticket_feedback(actor=manager, ticket=ticket, satisfaction=rng.choice([4, 5, 5, 3]), comment="")


def _later(rng: random.Random, moment: datetime) -> datetime:
    """A little later the same or the next working day, never in the future."""
    later = moment + timedelta(minutes=rng.randrange(20, 300, 5))
    return min(later, timezone.now() - timedelta(minutes=1))
