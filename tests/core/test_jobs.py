from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone


def make_session(expires_in: timedelta) -> str:
    store = SessionStore()
    store.set_expiry(int(expires_in.total_seconds()))
    store.create()
    assert store.session_key
    return store.session_key


def run(*args: str) -> str:
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_clear_sessions_deletes_exactly_the_sessions_expired_at_the_given_time(db: None) -> None:
    soon = make_session(timedelta(hours=1))
    later = make_session(timedelta(days=3))
    at = (timezone.now() + timedelta(days=1)).isoformat()

    assert run("run", "clear_sessions", "--at", at).strip() == "1 expired sessions deleted"
    assert list(Session.objects.values_list("session_key", flat=True)) == [later]
    assert soon not in Session.objects.values_list("session_key", flat=True)
    assert run("run", "clear_sessions", "--at", at).strip() == "0 expired sessions deleted"


def test_jobs_list_names_every_sweep(db: None) -> None:
    assert "clear_sessions" in run("list")


def test_an_unknown_sweep_or_a_bad_time_is_refused_with_a_message(db: None) -> None:
    with pytest.raises(CommandError, match="no sweep named 'nope'"):
        run("run", "nope")
    with pytest.raises(CommandError, match="not an ISO date-time"):
        run("run", "clear_sessions", "--at", "yesterday")
