"""Customer composition (SPEC §12.2): the customers in scope by level, rating, credit, satisfaction, region,
industry, source, nature, kind, lifecycle or owner; optionally only those created in a period."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer, Level, Lifecycle

from ..framework import Dimension, Measure, Report, register_report
from . import labels


def _ratings(keys: list[object]) -> dict[object, str]:
    return {key: "★" * int(str(key)) for key in keys}


COMPOSITION = Report(
    name="composition",
    title=_("Customer composition"),
    description=_(
        "The customers you can see, by one of their attributes. With a period, only the customers created in it."
    ),
    model=Customer,
    module="customers",
    period_field="created_at",
    default_period=None,
    dimensions=(
        Dimension("level", _("Level"), "level", labels.choices(Level), list_param="level"),
        Dimension("status", _("Lifecycle"), "status", labels.choices(Lifecycle), list_param="status"),
        Dimension("rating", _("Rating"), "rating", _ratings, list_param="rating"),
        Dimension("industry", _("Industry"), "industry", labels.dictionary("industry"), list_param="industry"),
        Dimension("source", _("Source"), "source", labels.dictionary("customer_source"), list_param="source"),
        Dimension("province", _("Province"), "province", labels.provinces, list_param="province"),
        Dimension("nature", _("Company nature"), "nature", labels.dictionary("company_nature")),
        Dimension("credit", _("Credit rating"), "credit_rating", labels.dictionary("credit_rating")),
        Dimension("satisfaction", _("Satisfaction"), "satisfaction", labels.dictionary("satisfaction")),
        Dimension("kind", _("Kind"), "kind", labels.choices(Customer.Kind), list_param="kind"),
        Dimension("owner", _("Owner"), "owner", labels.people, list_param="owner"),
    ),
    measures=(Measure("count", _("Customers"), Count("pk")),),
    group="customers",
    chart="pie",
    list_url="customers:list",
    list_params={"date_from": "created_from", "date_to": "created_to", "owner": "owner"},
    order=50,
)


def register() -> None:
    register_report(COMPOSITION)
