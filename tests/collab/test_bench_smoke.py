"""The shared tools' part of the benchmark dataset (tests/bench/dataset_collab.py) loads as the app stores it:
readers of a region see the library's folders and find documents by a fragment of a name or tag."""

import pytest
from django.conf import settings

from guanxi.collab.announcements import selectors as announcement_selectors
from guanxi.collab.documents import selectors
from guanxi.collab.models import Announcement, Document
from guanxi.org.models import User
from tests.bench import dataset, dataset_collab
from tests.bench.dataset_collab import READ_OVER

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)


@postgres_only
def test_the_benchmark_loads_a_readable_library_and_an_announcement_half_read(db: None) -> None:
    dataset.load(dataset.Params(customers=400, contacts=400, users=30, departments=5, leads=0), out=lambda _: None)
    dataset_collab.prepare(lambda _: None, audience=40)

    assert Document.all_objects.count() == 200
    reader = User.objects.get(username="s0001")
    assert selectors.documents(actor=reader).count() == 200
    found = selectors.search(actor=reader, query="验收报")
    assert found.exists() and all("验收报" in document.search_text for document in found)
    bench = User.objects.get(username="bench.admin")
    counts = announcement_selectors.receipt_counts(Announcement.objects.get(business_unit_id=bench.business_unit_id))
    assert counts.read > 0 and counts.unread > 0
    dataset_collab.prepare(lambda _: None)  # a second run finds the part loaded and leaves it
    assert Document.all_objects.count() == 200 and Announcement.objects.count() == 2


@postgres_only
def test_the_receipts_unit_is_apart_and_its_admin_sees_the_whole_audience_read_and_unread(db: None) -> None:
    dataset.load(dataset.Params(customers=400, contacts=400, users=30, departments=5, leads=0), out=lambda _: None)
    dataset_collab.prepare(lambda _: None, audience=40)

    admin = User.objects.get(username="collab.admin")
    assert User.objects.filter(department__business_unit_id=admin.business_unit_id).count() == 40
    bench = User.objects.get(username="bench.admin")
    assert not User.objects.filter(department__business_unit_id=bench.business_unit_id, username__startswith="collab")
    row = Announcement.objects.visible_to(admin).get()
    assert row.audience == "unit" and row.published_at is not None
    assert announcement_selectors.receipt_counts(row) == announcement_selectors.ReceiptCounts(read=24, unread=16)
    reads = list(row.reads.values_list("read_at", flat=True))
    assert len(set(reads)) == 24 and all(row.published_at <= at <= row.published_at + READ_OVER for at in reads)
