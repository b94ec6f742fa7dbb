"""The integrations' world: two business units (tests.conftest.TwoUnits), a local HTTP receiver."""

from collections.abc import Iterator

import pytest

from guanxi.core.models import ParameterValue
from guanxi.integrations.webhooks.addresses import ALLOW_PRIVATE
from guanxi.org.models import BusinessUnit

from .receiver import Receiver, receiver


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


def allow_private(unit: BusinessUnit, allowed: bool = True) -> None:
    ParameterValue.objects.update_or_create(business_unit=unit, code=ALLOW_PRIVATE, defaults={"value": allowed})
