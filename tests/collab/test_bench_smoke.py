"""The shared tools' part of the benchmark dataset (tests/bench/dataset_collab.py) loads as the app stores it:
readers of a region see the library's folders and find documents by a fragment of a name or tag."""

import pytest
from django.conf import settings

from guanxi.collab.announcements import selectors as announcement_selectors
from guanxi.collab.documents import selectors
from guanxi.collab.models import Announcement, Document
from guanxi.org.models import User
from tests.bench import dataset, dataset_collab

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)


@postgres_only
def test_the_benchmark_loads_a_readable_library_and_an_announcement_half_read(db: None) -> None:
    dataset.load(dataset.Params(customers=400, contacts=400, users=30, departments=5, leads=0), out=lambda _: None)
    dataset_collab.prepare(lambda _: None)

    assert Document.all_objects.count() == 200
    reader = User.objects.get(username="s0001")
    assert selectors.documents(actor=reader).count() == 200
    found = selectors.search(actor=reader, query="验收报")
    assert found.exists() and all("验收报" in document.search_text for document in found)
    receipts = announcement_selectors.receipts(Announcement.objects.get())
    assert receipts["read_count"] > 0 and receipts["unread_count"] > 0
    dataset_collab.prepare(lambda _: None)  # a second run finds the part loaded and leaves it
    assert Document.all_objects.count() == 200
