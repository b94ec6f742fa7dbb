import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from guanxi.core.config.numbering import number_next
from guanxi.core.config.parameters import parameters_set
from guanxi.core.models import NumberCounter

from .config_world import ConfigWorld


@pytest.fixture
def w(db: None) -> ConfigWorld:
    return ConfigWorld()


SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def test_numbers_are_prefix_date_and_a_daily_sequence(db: None) -> None:
    assert number_next(kind="customer", prefix="KH", at=at(22)) == "KH202611220001"
    assert number_next(kind="customer", prefix="KH", at=at(22, 18)) == "KH202611220002"
    assert number_next(kind="customer", prefix="KH", at=at(23)) == "KH202611230001"  # a new day starts again
    assert number_next(kind="contract", prefix="HT", at=at(22)) == "HT202611220001"  # each kind counts alone


def test_the_date_is_the_local_day_not_utc(db: None) -> None:
    # 01:30 in Shanghai on the 23rd is still the 22nd in UTC.
    late = datetime(2026, 11, 22, 17, 30, tzinfo=ZoneInfo("UTC"))
    assert number_next(kind="customer", prefix="KH", at=late) == "KH202611230001"


def test_a_unit_can_change_the_format_and_the_period_follows_it(w: ConfigWorld) -> None:
    parameters_set(actor=w.bob, unit=w.unit, values={"numbering.order": "DD-{yy}{mm}-{seq:5}"})
    assert number_next(kind="order", prefix="DD", at=at(1), unit=w.unit) == "DD-2611-00001"
    assert number_next(kind="order", prefix="DD", at=at(30), unit=w.unit) == "DD-2611-00002"  # monthly counter
    assert number_next(kind="order", prefix="DD", at=at(1, month=12), unit=w.unit) == "DD-2612-00001"
    assert number_next(kind="order", prefix="DD", at=at(1)) == "DD202611010001"  # no unit: the default


@pytest.mark.parametrize(
    "bad",
    ["{prefix}{dd}{seq}", "{prefix}{yyyy}", "{seq}{seq}", "{prefix}{yyyy}{when}{seq}", "{seq:0}", "A{seq"],
)
def test_a_format_that_could_repeat_or_break_numbers_is_refused(w: ConfigWorld, bad: str) -> None:
    with pytest.raises(ValidationError):
        parameters_set(actor=w.bob, unit=w.unit, values={"numbering.quote": bad})
    assert number_next(kind="quote", prefix="BJ", at=at(1), unit=w.unit) == "BJ202611010001"


def test_a_format_without_a_date_counts_forever(w: ConfigWorld) -> None:
    parameters_set(actor=w.bob, unit=w.unit, values={"numbering.quote": "BJ{seq:6}"})
    assert number_next(kind="quote", at=at(1), unit=w.unit) == "BJ000001"
    assert number_next(kind="quote", at=at(1, month=12), unit=w.unit) == "BJ000002"


def test_a_rolled_back_transaction_gives_its_number_back(db: None) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        number_next(kind="ticket", prefix="FW", at=at(22))
        raise RuntimeError("the record failed to save")
    assert number_next(kind="ticket", prefix="FW", at=at(22)) == "FW202611220001"


def test_an_unregistered_kind_uses_the_default_format(db: None) -> None:
    assert number_next(kind="visit", prefix="BF", at=at(5)) == "BF202611050001"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_get_twenty_different_numbers() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite lets one writer in at a time, so there is no race to test; the PostgreSQL run "
            "of the suite (make test-postgres) proves this with real concurrent connections"
        )
    start = threading.Barrier(20)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def take() -> None:
        try:
            start.wait()  # all threads ask at the same moment, each on its own connection
            with transaction.atomic():
                number = number_next(kind="customer", prefix="KH", at=at(22))
            with lock:
                numbers.append(number)
        except BaseException as error:  # reported below, never lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == [f"KH20261122{n:04d}" for n in range(1, 21)]
    assert NumberCounter.objects.get(kind="customer", period="20261122").value == 20
