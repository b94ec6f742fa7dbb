"""500 demo customers with contacts, spread over the demo salespeople (registered through the services)."""

import random
from typing import TextIO

from django.core.exceptions import ValidationError
from faker import Faker

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.errors import DomainError
from guanxi.org.models import User

from .models import Customer, Level
from .services import customer_create, customer_duplicates

COUNT = 500
OWNERS = ["sales1", "sales2", "sales3", "sales4", "sh.manager", "bj.manager"]


def load(out: TextIO) -> None:
    if Customer.all_objects.exists():
        out.write(f"Demo customers: {Customer.objects.count()} already there.\n")
        return
    fake = Faker("zh_CN")
    fake.seed_instance(2027)
    rng = random.Random(2027)
    owners = list(User.objects.filter(username__in=OWNERS))
    choices = {field: [code for code, _label in dictionary_choices(type_code)] for field, type_code in _TYPES.items()}
    created = attempts = 0
    while created < COUNT and attempts < COUNT * 5:  # a cap, so an unlucky seed never loops forever
        attempts += 1
        owner = rng.choice(owners)
        data = {
            # city + brand + trade + legal form: Faker's own company() repeats after a few hundred names
            "name": f"{fake.city_name()}{fake.company_prefix()}{rng.choice(_TRADES)}有限公司",
            "kind": "company",
            "level": rng.choice(Level.values),
            "rating": rng.choice([None, 1, 2, 3]),
            "address": fake.address()[:200],
            "postcode": fake.postcode(),
            "phone": fake.phone_number(),
            "website": f"https://www.{fake.domain_word()}.cn",
            "email": fake.company_email(),
            "remarks": fake.sentence(),
            **{field: rng.choice(codes) for field, codes in choices.items() if codes},
        }
        if data.get("source") == "referral":
            data["source"] = "exhibition"
        if data.get("source") == "introduction":
            data["introducer"] = fake.name()
        contact = {"name": fake.name(), "mobile": fake.phone_number(), "position": fake.job()[:50]}
        # a drawn name that exists already would open a conflict case (SPEC §3.4): draw another instead
        unit = owner.business_unit_id
        phones = [str(data["phone"]), contact["mobile"]]
        if unit and customer_duplicates(unit_id=unit, name=str(data["name"]), phones=phones):
            continue
        try:
            customer_create(actor=owner, data=data, contact=contact)
        except (DomainError, ValidationError):
            continue  # a generated name or phone that collides or does not validate: draw another
        created += 1
    out.write(f"Demo customers: {created} added.\n")


_TRADES = ["科技", "贸易", "机械", "电子", "汽车销售", "建材", "物流", "食品", "医疗器械", "信息技术", "化工", "服饰"]
_TYPES = {
    "industry": "industry",
    "source": "customer_source",
    "nature": "company_nature",
    "revenue_band": "revenue_band",
}
