"""China's administrative divisions (行政区划): the province → city → county tree behind the region picker.

Reference data that every signed-in user may read (no data scope), loaded from the shipped data file by
``customers.regions.services.regions_load``. Records keep the codes (``Customer.province``/``city``/``county``), never
a foreign key, so reloading newer data never touches them. A code that disappears from a newer file stays
here with ``active=False``, so old records still show its name while pickers no longer offer it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County")

    # The 6-digit division code (GB/T 2260, and the statistics bureau's for functional zones); the towns
    # that stand in for the county level of 东莞市, 中山市, 儋州市 and 嘉峪关市 have 9-digit town codes.
    code = models.CharField(_("code"), max_length=9, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    active = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3), name="region_level_1_to_3"),
            # A province has no parent; a city or county always has one.
            models.CheckConstraint(
                condition=models.Q(level=1, parent__isnull=True) | models.Q(level__gt=1, parent__isnull=False),
                name="region_parent_by_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name
