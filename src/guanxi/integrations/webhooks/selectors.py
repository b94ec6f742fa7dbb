"""Reads of webhooks, from the data-scope gate."""

from __future__ import annotations

from django.db.models import QuerySet

from guanxi.org.models import User

from .models import Delivery, Subscription


def webhook_list(*, actor: User) -> QuerySet[Subscription]:
    return Subscription.objects.visible_to(actor).select_related("business_unit", "owner").order_by("name", "pk")


def delivery_log(*, actor: User, subscription: Subscription) -> QuerySet[Delivery]:
    return (
        Delivery.objects.visible_to(actor)
        .filter(subscription=subscription)
        .select_related("event")
        .order_by("-created_at", "-pk")
    )
