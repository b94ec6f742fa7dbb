"""Backup → restore round trips compare every table's row count and checksum (SQLite and PostgreSQL)."""

import hashlib
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from guanxi.customers.models import Customer
from guanxi.io.backup import BackupRefused, backup_create, backup_restore
from guanxi.io.tasks import backup
from tests.conftest import World, grant

from .helpers import imported


@pytest.fixture(autouse=True)
def _media_of_its_own(settings: Any, tmp_path: Path) -> None:
    """Backups archive the uploaded files and restores write them back: here into the test's own folder,
    never the checkout's var/media (which parallel workers and other runs share)."""
    settings.MEDIA_ROOT = tmp_path / "media"


def checksums() -> dict[str, tuple[int, str]]:
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f'SELECT * FROM "{table}"')
            rows = sorted(repr(row) for row in cursor.fetchall())
            tables[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return tables


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_table_as_it_was(tmp_path: Path) -> None:
    world = World()
    grant(world.bob, "unit_head")
    imported(world.bob, [["客户名称", "电话"], ["上海华信科技有限公司", "021-12345678"], ["北京京东方", ""]])
    before = checksums()
    path = backup_create(to=tmp_path / "backup.tar")
    Customer.objects.filter(name="北京京东方").update(name="改过了")
    assert checksums() != before
    backup_restore(source=path)
    assert checksums() == before


@pytest.mark.django_db(transaction=True)
def test_a_backup_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = backup_create(to=tmp_path / "backup.tar")
    newer = tmp_path / "newer.tar"
    with tarfile.open(path) as archive, tarfile.open(newer, "w") as out:
        for member in archive.getmembers():
            data = archive.extractfile(member)
            if member.name == "manifest.json":
                manifest = json.loads(data.read())  # type: ignore[union-attr]
                manifest["migrations"].append(["customers", "9999_from_the_future"])
                content = json.dumps(manifest).encode()
                member.size = len(content)
                import io

                out.addfile(member, io.BytesIO(content))
            else:
                out.addfile(member, data)
    with pytest.raises(BackupRefused):
        backup_restore(source=newer)


@pytest.mark.django_db(transaction=True)
def test_the_nightly_backup_keeps_the_newest_backups(tmp_path: Path, settings: Any) -> None:
    settings.VAR_DIR, settings.BACKUPS_KEPT = tmp_path, 2
    mine = tmp_path / "backups" / "before-the-upgrade.tar"
    mine.parent.mkdir()
    mine.write_bytes(b"kept: not a scheduled backup")
    for day in (1, 2, 3):
        backup(datetime(2026, 12, day, 2, 40, tzinfo=UTC))
    kept = sorted(path.name for path in (tmp_path / "backups").iterdir())
    assert kept == ["before-the-upgrade.tar", "guanxi-20261202-024000.tar", "guanxi-20261203-024000.tar"]
    with tarfile.open(tmp_path / "backups" / kept[-1]) as archive:
        assert json.loads(archive.extractfile("manifest.json").read())["engine"] == connection.vendor  # type: ignore[union-attr]
