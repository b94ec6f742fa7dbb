from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from guanxi.core.config.parameters import parameters_set
from guanxi.core.errors import DomainError
from guanxi.core.models import AuditEntry
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer
from tests.conftest import World, client_for, grant
from tests.customers.test_services import register


@pytest.fixture
def sales(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


def test_a_unit_makes_fields_required_and_the_form_marks_them(sales: World) -> None:
    parameters_set(actor=sales.root, unit=sales.unit, values={"customers.required_fields": "industry, contact_mobile"})
    with pytest.raises(ValidationError) as refusal:
        register(sales.alice, contact={"name": "张三"})
    assert {"industry", "contact_mobile"} <= refusal.value.message_dict.keys()
    assert not Customer.objects.exists()
    register(sales.alice, industry="it")
    form = client_for(sales.alice).get(reverse("customers:create")).context["form"]
    assert form.fields["industry"].required and form.fields["contact_mobile"].required


def test_an_unknown_required_field_is_refused(sales: World) -> None:
    with pytest.raises((DomainError, ValidationError)):
        parameters_set(actor=sales.root, unit=sales.unit, values={"customers.required_fields": "shoe_size"})


def test_the_filter_bar_filters_by_owner_kind_rating_tag_and_creation_date(sales: World) -> None:
    grant(sales.root, "unit_head")
    first = register(sales.alice, rating=3, tags=["vip"])
    second = register(sales.charlie, name="个体客户", kind="individual", contact={})
    Customer.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(days=10))
    client = client_for(sales.root)

    def found(**params: Any) -> list[int]:
        return [row.pk for row in client.get(reverse("customers:list"), params).context["page_obj"]]

    assert found(owner=sales.alice.pk) == [first.pk]
    assert found(kind="individual") == [second.pk]
    assert found(rating=3) == [first.pk]
    assert found(tag="vip") == [first.pk]
    assert found(created_to=(timezone.localdate() - timedelta(days=5)).isoformat()) == [second.pk]


def test_a_contact_moves_to_another_customer_with_its_history(sales: World) -> None:
    first = register(sales.alice)
    second = register(sales.alice, name="另一家公司", contact={})
    contact = first.contacts.get()
    client = client_for(sales.alice)
    response = client.post(reverse("customers:contact_move", args=[first.pk, contact.pk]), {"number": second.number})
    assert response.status_code == 302
    assert Contact.objects.get(pk=contact.pk).customer == second
    refused = client.post(reverse("customers:contact_move", args=[second.pk, contact.pk]), {"number": "KH0"})
    assert "number" in refused.context["form"].errors


def test_the_api_reveals_a_masked_phone_to_an_unmask_holder_and_logs_it(sales: World) -> None:
    customer = register(sales.alice, phone="13900001111")
    manager = APIClient()
    manager.force_authenticate(sales.bob)
    assert manager.get(f"/api/v1/customers/{customer.pk}/").json()["phone"] == "139****1111"
    response = manager.post(f"/api/v1/customers/{customer.pk}/reveal/", {"field": "phone"}, format="json")
    assert response.json() == {"field": "phone", "value": "13900001111"}
    assert AuditEntry.objects.filter(action="unmask", object_id=str(customer.pk)).count() == 1
    colleague = APIClient()
    colleague.force_authenticate(sales.charlie)
    assert colleague.post(f"/api/v1/customers/{customer.pk}/reveal/", {"field": "phone"}).status_code == 404
    assert services.sees_contact_details(sales.alice, customer)
