"""The HTTP SMS provider's key: sealed at rest (``core.sealed``, as the PBX's key), write-only on the page,
kept when the field is left empty, still sent in clear to the provider; keys stored in plain text before are
sealed by the data migration."""

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from guanxi.core import sealed
from guanxi.marketing.messages import services
from guanxi.marketing.messages.models import GatewayKind, SmsGateway
from guanxi.marketing.messages.providers import HttpProvider, api_key_of
from tests.conftest import TwoUnits, client_for
from tests.integrations.receiver import receiver

BEFORE = [("marketing", "0003_events_and_registrations")]


def test_the_key_is_sealed_write_only_and_kept_when_left_empty(units: TwoUnits) -> None:
    with receiver() as provider:
        services.gateway_save(
            actor=units.ada, data={"kind": GatewayKind.HTTP, "endpoint": provider.url, "api_key": "k-secret-123"}
        )
        gateway = SmsGateway.objects.get(business_unit=units.unit)
        assert gateway.key_encrypted and "k-secret-123" not in gateway.key_encrypted
        assert api_key_of(gateway) == "k-secret-123"
        with pytest.raises(sealed.Unreadable):  # another purpose's key opens nothing
            sealed.unseal(gateway.key_encrypted, purpose="pbx")
        services.gateway_save(actor=units.ada, data={"kind": GatewayKind.HTTP, "endpoint": provider.url})
        gateway.refresh_from_db()
        assert api_key_of(gateway) == "k-secret-123"
        HttpProvider(gateway).send([("13900000000", "测试")])
    assert provider.requests[0].headers["Authorization"] == "Bearer k-secret-123"
    page = client_for(units.ada).get(reverse("marketing:gateway"))
    html = page.content.decode()
    assert page.status_code == 200 and "k-secret-123" not in html and gateway.key_encrypted not in html
    assert 'data-testid="key-state"' in html
    with pytest.raises(ValidationError) as spaced:
        services.gateway_save(
            actor=units.ada, data={"kind": GatewayKind.HTTP, "endpoint": provider.url, "api_key": "密 钥"}
        )
    assert set(spaced.value.message_dict) == {"api_key"}
    with pytest.raises(ValidationError) as missing:  # unit B's gateway has no key yet
        services.gateway_save(actor=units.ben, data={"kind": GatewayKind.HTTP, "endpoint": provider.url})
    assert set(missing.value.message_dict) == {"api_key"}


def test_an_unreadable_key_leaves_the_sms_queued_with_the_reason(units: TwoUnits, settings: object) -> None:
    services.gateway_save(
        actor=units.ada, data={"kind": GatewayKind.HTTP, "endpoint": "http://127.0.0.1:9/", "api_key": "k-1"}
    )
    settings.SECRET_KEY = "another-site-secret-" + "x" * 40  # type: ignore[attr-defined]
    [outcome] = HttpProvider(SmsGateway.objects.get()).send([("13900000000", "测试")])
    assert outcome.transient and "enter it again" in outcome.error


@pytest.fixture
def schema_restored(transactional_db: None) -> Iterator[None]:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    yield
    MigrationExecutor(connection).migrate(latest)


def test_the_migration_seals_the_keys_stored_in_plain_text(schema_restored: None) -> None:
    units = TwoUnits()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldGateway = old.get_model("marketing", "SmsGateway")
    OldGateway.objects.create(
        business_unit_id=units.unit.pk, kind="http", endpoint="https://sms.example.cn/", api_key="k-a"
    )
    OldGateway.objects.create(business_unit_id=units.unit_b.pk, kind="outbox", api_key="", inbound_token="t-b")
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    sealed_a = SmsGateway.objects.get(business_unit=units.unit)
    assert sealed_a.key_encrypted != "k-a" and api_key_of(sealed_a) == "k-a"
    assert SmsGateway.objects.get(business_unit=units.unit_b).key_encrypted == ""
