"""The `guanxi` command: run, operate and set up a Guanxi installation."""

import argparse
import gc
import os
import signal
import subprocess
import sys
import time
from typing import Any

from gunicorn.app.base import BaseApplication

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")


def _django() -> None:
    import django

    django.setup()


class WebServer(BaseApplication):
    """gunicorn serving Guanxi, the application loaded once before it forks its processes (``preload_app``)."""

    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return warm_application()


def warm_application() -> Any:
    """The WSGI application with what the first request would otherwise load: every view (the URL patterns),
    the translations and the page templates. The processes gunicorn forks share it, so no visitor waits."""
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    from guanxi.wsgi import application

    get_resolver().reverse_dict  # noqa: B018 — imports every urls.py and the views they name
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for name in ("layouts/list.html", "layouts/detail.html", "layouts/form.html", "org/login.html"):
                get_template(name)
    # Out of the collector's sight: the processes share these objects instead of copying every page the
    # collector touches; at exit, walking them took longer than gunicorn's graceful timeout ("SIGKILL!").
    gc.freeze()
    return application


def serve(args: argparse.Namespace) -> int:
    """Run the web server (gunicorn); with --with-worker also a queue worker, stopped together."""
    os.environ["BIND"] = args.bind  # SITE_URL follows it, here and in the worker
    _django()  # also sets this process's time zone to TIME_ZONE, so gunicorn's own log lines use it too
    collect_static_when_stale()
    worker = subprocess.Popen([sys.executable, "-m", "guanxi.cli", "worker"]) if args.with_worker else None
    server = WebServer(
        {
            "bind": args.bind,
            "workers": args.workers,
            "threads": args.threads,
            "accesslog": "-",
            "graceful_timeout": 10,
            "preload_app": True,
            "when_ready": lambda _arbiter: print(welcome(), flush=True),
        }
    )
    try:
        server.run()
    except SystemExit as stop:
        return int(stop.code or 0)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGINT)  # Huey's graceful stop: running tasks finish, nothing is killed
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:  # stopped while it was still starting, before it listened
                worker.terminate()
                worker.wait()
    return 0


def welcome() -> str:
    """What `guanxi serve` prints once it listens: the address, where e-mail goes and the demo's sign-ins."""
    from django.conf import settings
    from django.db import connections

    from guanxi.org.demo import signins

    lines = [f"Guanxi is running at {settings.SITE_URL}/  (Ctrl-C stops it)"]
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        lines.append(f"E-mail is not sent: each message is written to {settings.EMAIL_FILE_PATH}/ (set EMAIL_HOST).")
    lines += signins()
    connections.close_all()  # the processes about to be forked must not share this one's connection
    return "\n" + "\n".join(f"  {line}" for line in lines) + "\n"


def collect_static_when_stale() -> None:
    """Collect the static files when the manifest lacks one of them (a fresh install, an upgrade): every
    page's {% static %}, the error pages' too, fails on a missing manifest entry."""
    _django()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.files.storage import storages
    from django.core.management import call_command

    # a storage of its own: the shared one, read before collecting, would keep the old manifest in the web workers
    storage = storages.create_storage(settings.STORAGES["staticfiles"])
    manifest = getattr(storage, "hashed_files", None)
    if manifest is None:  # not a manifest storage (DEBUG): files are served as they are
        return
    sources = {path for finder in finders.get_finders() for path, _ in finder.list(["CVS", ".*", "*~"])}
    if not sources <= manifest.keys():
        print("Collecting the static files…", flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)


def worker(args: argparse.Namespace) -> int:
    """Run a queue worker: periodic sweeps and background jobs."""
    _django()
    from django.core.management import call_command

    call_command("run_huey")
    return 0


def manage(*command: str) -> int:
    _django()
    from django.core.management import call_command

    call_command(*command)
    return 0


def step(title: str, *command: str) -> int:
    """A management command between two progress lines, so a long first run never looks stuck."""
    started = time.monotonic()
    print(f"{title}…", flush=True)
    manage(*command)
    print(f"{title}: done in {time.monotonic() - started:.0f} s.", flush=True)
    return 0


def jobs(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    if args.jobs_command == "run":
        options = {"at": args.at} if args.at else {}
        call_command("jobs", "run", args.name, **options)
    else:
        call_command("jobs", "list")
    return 0


def createadmin(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    call_command("createadmin", username=args.username, display_name=args.name)
    return 0


def import_file(args: argparse.Namespace) -> int:
    """Import a spreadsheet as a user would through the wizard, with the guessed column mapping."""
    _django()
    from pathlib import Path

    from rich.progress import Progress

    from guanxi.core.errors import DomainError
    from guanxi.io import services
    from guanxi.org.models import User
    from guanxi.pool.models import Pool

    path = Path(args.file)
    try:
        actor = User.objects.get(username=args.user)
        owner = User.objects.get(username=args.owner) if args.owner else None
        pool = Pool.objects.get(pk=args.pool) if args.pool else None
        job = services.import_upload(actor=actor, kind=args.type, file_name=path.name, content=path.read_bytes())
        services.import_configure(
            actor=actor, job=job, mapping=job.mapping, strategy=args.strategy, owner=owner, pool=pool
        )
    except (DomainError, User.DoesNotExist, Pool.DoesNotExist, OSError) as error:
        print(f"guanxi import: {getattr(error, 'message', error)}", file=sys.stderr)
        return 2
    mapped = ", ".join(f"{job.headers[int(index)]} → {key}" for index, key in job.mapping.items())
    print(f"Columns: {mapped}")
    with Progress() as progress:
        bar = progress.add_task("Checking" if args.check else "Importing", total=job.total)
        job = services.import_process(
            job_id=job.pk, dry_run=args.check, progress=lambda done, total: progress.update(bar, completed=done)
        )
    print(f"created {job.created}, updated {job.updated}, skipped {job.skipped}, rejected {job.failed}")
    if job.failed:
        errors = path.with_name(f"{path.stem}-rejected.xlsx")
        errors.write_bytes(services.import_error_file(actor=actor, job=job))
        print(f"The rejected rows and their reasons: {errors}")
    return 0 if job.status in ("done", "previewed") else 1


def backup(args: argparse.Namespace) -> int:
    """Write a backup of the database and the uploaded files."""
    _django()
    from pathlib import Path

    from guanxi.io.backup import backup_create

    print(f"Backup written to {backup_create(to=Path(args.to) if args.to else None)}")
    return 0


def restore(args: argparse.Namespace) -> int:
    """Replace the database and the uploaded files with a backup's (stop the server first)."""
    _django()
    from pathlib import Path

    from guanxi.io.backup import BackupRefused, backup_restore

    try:
        manifest = backup_restore(source=Path(args.file))
    except BackupRefused as refusal:
        print(f"guanxi restore: {refusal}", file=sys.stderr)
        return 2
    print(f"Restored the backup of {manifest['created_at']}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guanxi", description="Guanxi CRM")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("serve", help="run the web server", description=serve.__doc__)
    p.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"), help="host:port to listen on")
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")), help="processes")
    p.add_argument("--threads", type=int, default=4, help="threads per process")
    p.add_argument("--with-worker", action="store_true", help="also run a queue worker")
    p.set_defaults(handler=serve)

    p = commands.add_parser("worker", help="run a queue worker", description=worker.__doc__)
    p.set_defaults(handler=worker)

    p = commands.add_parser("migrate", help="create or update the database tables")
    p.set_defaults(handler=lambda args: step("Preparing the database (tables, then regions)", "migrate", "--no-input"))

    p = commands.add_parser("createadmin", help="create a system administrator (asks for the password)")
    p.add_argument("--username", default="admin")
    p.add_argument("--name", default="", help="display name (default: the username)")
    p.set_defaults(handler=createadmin)

    p = commands.add_parser("demo", help="load the demo company (safe to run again)")
    p.set_defaults(handler=lambda args: step("Loading the demo company", "demo"))

    p = commands.add_parser("jobs", help="list or run the periodic sweeps")
    job_commands = p.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    job_commands.add_parser("list", help="list the sweeps")
    run_parser = job_commands.add_parser("run", help="run one sweep now, or as of --at")
    run_parser.add_argument("name", help="the sweep's name (see `guanxi jobs list`)")
    run_parser.add_argument("--at", help="act as of this ISO time, e.g. 2026-11-22T09:00+08:00")
    p.set_defaults(handler=jobs)

    p = commands.add_parser("import", help="import a spreadsheet (.xlsx, .xls, .csv)", description=import_file.__doc__)
    p.add_argument("file")
    p.add_argument("--type", required=True, choices=["customers", "contacts", "leads", "opportunities"])
    p.add_argument("--user", required=True, help="the importing user's username (their rights apply)")
    p.add_argument("--owner", help="the records' owner's username (default: the user)")
    p.add_argument("--pool", type=int, help="import customers into this public pool (its id)")
    p.add_argument("--strategy", default="skip", choices=["skip", "update", "create"], help="for duplicates")
    p.add_argument("--check", action="store_true", help="only check the rows; save nothing")
    p.set_defaults(handler=import_file)

    p = commands.add_parser("backup", help="back up the database and the uploaded files", description=backup.__doc__)
    p.add_argument("--to", help="the backup file (default: var/backups/guanxi-<time>.tar)")
    p.set_defaults(handler=backup)

    p = commands.add_parser("restore", help="restore a backup", description=restore.__doc__)
    p.add_argument("file")
    p.set_defaults(handler=restore)

    p = commands.add_parser("manage", help="run any Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(handler=lambda args: manage(*args.rest))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
