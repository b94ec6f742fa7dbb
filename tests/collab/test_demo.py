from io import StringIO

from django.core.management import call_command

from guanxi.collab.announcements import selectors
from guanxi.collab.models import Announcement, Document, Folder, Script
from guanxi.expenses.models import Expense
from guanxi.org.models import User


def test_the_demo_has_announcements_a_document_tree_scripts_and_claims_in_every_state(db: None) -> None:
    call_command("demo", stdout=StringIO())
    seller = User.objects.get(username="sales1")
    assert selectors.unread_count(actor=seller) >= 1
    assert Announcement.objects.filter(published_at__isnull=True).count() == 1  # one scheduled for next week
    contract = Document.objects.get(name="设备销售合同模板.pdf")
    assert contract.versions.count() == 3 and Folder.objects.filter(inherit=False).exists()
    assert Script.objects.filter(business_unit__code="industrial").count() == 20
    assert set(Expense.objects.values_list("status", flat=True)) == {"draft", "pending", "approved", "rejected", "paid"}
    counts = (Announcement.objects.count(), Document.objects.count(), Script.objects.count(), Expense.objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert (
        Announcement.objects.count(),
        Document.objects.count(),
        Script.objects.count(),
        Expense.objects.count(),
    ) == counts
    assert "Demo expenses: 7 claims already there." in out.getvalue()
