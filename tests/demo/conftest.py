"""The demo company, loaded once for every test of this package (it takes half a minute) and rolled back after."""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from guanxi.customers.demo import PLACES
from guanxi.customers.regions.models import Region
from tests.conftest import FAST_AND_ISOLATED


@pytest.fixture(scope="package")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The output of the demo command; its records stay until the last test of the package."""
    out = StringIO()
    # Package fixtures run before each test's settings: the same ones apply to the demo's passwords and files.
    with django_db_blocker.unblock(), transaction.atomic():
        _regions_of_the_demo_addresses()
        with override_settings(**FAST_AND_ISOLATED):
            call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _regions_of_the_demo_addresses() -> None:
    for province, city, county, district, _streets in PLACES.values():
        top, _ = Region.objects.get_or_create(code=province, defaults={"name": district[:3], "level": 1})
        middle, _ = Region.objects.get_or_create(code=city, defaults={"name": city, "parent": top, "level": 2})
        Region.objects.get_or_create(code=county, defaults={"name": district, "parent": middle, "level": 3})
