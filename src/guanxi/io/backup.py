"""Backup and restore by command (SPEC §13.6): one .tar file holding the database (SQLite's online backup,
consistent while the server runs, or PostgreSQL's ``pg_dump`` custom format), the uploaded files and a
manifest naming the schema (the applied migrations). A backup from a newer schema is refused on restore."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

MANIFEST = "manifest.json"


class BackupRefused(Exception):
    """The backup cannot be restored here; the message says why."""


def _applied() -> list[list[str]]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted([app, name] for app, name in loader.applied_migrations)


def backup_create(*, to: Path | None = None) -> Path:
    target = to or settings.VAR_DIR / "backups" / f"guanxi-{timezone.now():%Y%m%d-%H%M%S}.tar"
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = connection.vendor
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / ("database.sqlite3" if engine == "sqlite" else "database.dump")
        if engine == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(database) as copy:
                connection.connection.backup(copy)  # the online backup API: a consistent copy
            copy.close()
        else:
            subprocess.run(["pg_dump", "-Fc", "-f", str(database), *_pg_args()], check=True, env=_pg_env())
        manifest = {"engine": engine, "created_at": timezone.now().isoformat(), "migrations": _applied()}
        (Path(scratch) / MANIFEST).write_text(json.dumps(manifest))
        with tarfile.open(target, "w") as archive:
            archive.add(Path(scratch) / MANIFEST, MANIFEST)
            archive.add(database, database.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, "media")
    return target


def backups_keep(*, newest: int, folder: Path | None = None) -> list[Path]:
    """Delete all but the ``newest`` scheduled backups (``guanxi-<time>.tar``, whose names sort by time);
    returns the deleted ones. Backups written elsewhere or named otherwise are never touched."""
    folder = folder or settings.VAR_DIR / "backups"
    scheduled = sorted(folder.glob("guanxi-*.tar"))
    old = scheduled[: max(len(scheduled) - newest, 0)]
    for path in old:
        path.unlink()
    return old


def backup_restore(*, source: Path) -> dict[str, Any]:
    """Replace the database and the uploaded files with the backup's. Refused when the backup's schema has
    migrations this version does not know (it was made by a newer Guanxi) or comes from the other engine."""
    with tarfile.open(source) as archive, tempfile.TemporaryDirectory() as scratch:
        archive.extractall(scratch, filter="data")
        manifest = json.loads((Path(scratch) / MANIFEST).read_text())
        if manifest["engine"] != connection.vendor:
            raise BackupRefused(f"This backup is of a {manifest['engine']} database; this one is {connection.vendor}.")
        known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        newer = [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]
        if newer:
            raise BackupRefused("This backup comes from a newer version of Guanxi (" + ", ".join(newer[:5]) + ").")
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(Path(scratch) / "database.sqlite3") as copy:
                copy.backup(connection.connection)
            copy.close()
        else:
            connections.close_all()
            subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *_pg_args(),
                 str(Path(scratch) / "database.dump")],
                check=True, env=_pg_env(),
            )  # fmt: skip
        media = Path(scratch) / "media"
        if media.is_dir():
            for path in media.rglob("*"):
                if path.is_file():
                    destination = Path(settings.MEDIA_ROOT) / path.relative_to(media)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(path.read_bytes())
    return manifest


def _pg_args() -> list[str]:
    database = connection.settings_dict
    args = ["-d", database["NAME"]]
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if database.get(key):
            args += [flag, str(database[key])]
    return args


def _pg_env() -> dict[str, str]:
    environment = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return environment
