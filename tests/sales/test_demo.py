from io import StringIO

from django.core.management import call_command

from guanxi.sales.models import Opportunity, Stage


def test_the_demo_fills_every_stage_of_both_pipelines_with_wins_and_losses(db: None) -> None:
    call_command("demo", stdout=StringIO())
    empty = Stage.objects.filter(pipeline__code__in=["project", "dealership"]).exclude(opportunities__isnull=False)
    assert list(empty.values_list("name", flat=True)) == []
    assert Opportunity.objects.filter(status="won").exists() and Opportunity.objects.filter(status="lost").exists()
    count = Opportunity.objects.count()
    out = StringIO()
    call_command("demo", stdout=out)
    assert Opportunity.objects.count() == count
    assert "already there" in out.getvalue()
