"""Sign-in security (SPEC §1.5): the login log, lockouts, the two sign-in steps, sessions, admin resets.

Lockouts are decided from the login log with indexed queries, never from a process's memory, so any
number of web processes agree. The rule (settings ``SIGNIN_*``):

- an account (the username typed, case-insensitively) is locked for 15 minutes once 5 failures —
  wrong password or wrong two-factor code — fall within 15 minutes; a successful sign-in resets it;
- an address is locked for 15 minutes once 20 failures from it, across accounts, fall within 15 minutes;
  a success does not reset it, so one valid account cannot launder guesses at the others.

While locked, an attempt is refused before the password is checked and is logged as ``locked_out``;
it does not prolong the lock. Names that match nobody lock exactly like real ones, so the lock message
does not tell which usernames exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.core.audit import audit_log
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.core.permissions import require_perm

from . import two_factor
from .models import LoginAttempt, User, UserSession

Result = LoginAttempt.Result
FAILURES = (Result.BAD_PASSWORD, Result.TWO_FACTOR_FAILED)


class SignInRefused(DomainError):
    """A sign-in step refused: ``code`` is ``invalid_login``, ``locked_out``, ``inactive`` or
    ``two_factor_failed``."""

    code = "sign_in_refused"


@dataclass(frozen=True)
class Lock:
    until: datetime
    by_address: bool

    def message(self, now: datetime) -> str:
        minutes = max(1, math.ceil((self.until - now).total_seconds() / 60))
        if self.by_address:
            return ngettext(
                "Too many failed sign-in attempts from your network. Try again in %(minutes)d minute.",
                "Too many failed sign-in attempts from your network. Try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        return ngettext(
            "This account is locked after too many failed sign-in attempts. Try again in %(minutes)d minute.",
            "This account is locked after too many failed sign-in attempts. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


def username_key(username: str) -> str:
    return username.strip().lower()[:150]


def lock_of(*, username: str, ip: str | None, now: datetime | None = None) -> Lock | None:
    """The lock on this username or address at ``now``, if any (the longer one when both)."""
    now = now or timezone.now()
    locks = []
    account = _locked_until(
        LoginAttempt.objects.filter(username=username_key(username)),
        limit=settings.SIGNIN_FAILURE_LIMIT,
        resets=True,
        now=now,
    )
    if account:
        locks.append(Lock(account, by_address=False))
    if ip:
        address = _locked_until(
            LoginAttempt.objects.filter(ip=ip), limit=settings.SIGNIN_IP_FAILURE_LIMIT, resets=False, now=now
        )
        if address:
            locks.append(Lock(address, by_address=True))
    return max(locks, key=lambda lock: lock.until, default=None)


def _locked_until(attempts: QuerySet[LoginAttempt], *, limit: int, resets: bool, now: datetime) -> datetime | None:
    """Replay the recent failures: a lock starts at the failure that makes ``limit`` within the window
    and lasts the lockout time. Only the last window + lockout matters, so the query reads few rows."""
    window = timedelta(minutes=settings.SIGNIN_FAILURE_WINDOW_MINUTES)
    lockout = timedelta(minutes=settings.SIGNIN_LOCKOUT_MINUTES)
    results = [*FAILURES, Result.SUCCESS] if resets else list(FAILURES)
    rows = list(
        attempts.filter(result__in=results, at__gt=now - window - lockout, at__lte=now)
        .order_by("-at")
        .values_list("at", "result")[: limit * 10]
    )
    recent: list[datetime] = []
    until: datetime | None = None
    for at, result in reversed(rows):
        if result == Result.SUCCESS:
            recent, until = [], None
        elif until is None or at >= until:
            recent = [*(earlier for earlier in recent if earlier > at - window), at]
            if len(recent) >= limit:
                recent, until = [], at + lockout
    return until if until and until > now else None


@transaction.atomic
def login_attempt_record(
    *, username: str, user: User | None, ip: str | None, user_agent: str, result: str
) -> LoginAttempt:
    """One row of the login log, and the matching audit entry."""
    attempt = LoginAttempt.objects.create(
        username=username_key(username), user=user, ip=ip, user_agent=user_agent[:255], result=result
    )
    success = result == Result.SUCCESS
    audit_log(
        actor=user if success else None,
        action=AuditEntry.Action.SIGN_IN if success else AuditEntry.Action.SIGN_IN_FAILED,
        obj=user,
        object_type="org.user",
        object_repr=attempt.username,
        note=result,
    )
    return attempt


def signin_check_password(*, username: str, password: str, ip: str | None, user_agent: str) -> User:
    """Sign-in step one. Returns the user when the password is right; otherwise records the attempt
    and raises SignInRefused. Does not sign anyone in: the caller does, or asks for the code first."""
    known = User.objects.filter(username__iexact=username_key(username)).first()

    def refuse(result: str, message: str, code: str) -> SignInRefused:
        login_attempt_record(username=username, user=known, ip=ip, user_agent=user_agent, result=result)
        return SignInRefused(message, code=code)

    now = timezone.now()
    if lock := lock_of(username=username, ip=ip, now=now):
        raise refuse(Result.LOCKED_OUT, lock.message(now), "locked_out")
    user = authenticate(None, username=username, password=password)
    if isinstance(user, User):
        return user
    if known is not None and not known.is_active and known.check_password(password):
        # Said only to whoever knows the password, so it reveals nothing to a guesser.
        message = _("This account is frozen or has left the company. Please ask your administrator.")
        raise refuse(Result.INACTIVE, message, "inactive")
    raise refuse(Result.BAD_PASSWORD, _("Please enter a correct username and password."), "invalid_login")


def signin_check_code(*, user: User, code: str, ip: str | None, user_agent: str) -> None:
    """Sign-in step two for a user with two-factor sign-in: the code from their app."""
    now = timezone.now()

    def refuse(result: str, message: str, code: str) -> SignInRefused:
        login_attempt_record(username=user.username, user=user, ip=ip, user_agent=user_agent, result=result)
        return SignInRefused(message, field="code", code=code)

    if lock := lock_of(username=user.username, ip=ip, now=now):
        raise refuse(Result.LOCKED_OUT, lock.message(now), "locked_out")
    if not user.is_active:
        message = _("This account is frozen or has left the company. Please ask your administrator.")
        raise refuse(Result.INACTIVE, message, "inactive")
    if not two_factor.two_factor_check(user=user, code=code):
        message = _("That code is not right. Enter the six digits your app shows now.")
        raise refuse(Result.TWO_FACTOR_FAILED, message, "two_factor_failed")


def signin_succeeded(*, user: User, ip: str | None, user_agent: str) -> None:
    """Record a completed sign-in: it also resets the account's failure count."""
    login_attempt_record(username=user.username, user=user, ip=ip, user_agent=user_agent, result=Result.SUCCESS)


# --- Sessions ------------------------------------------------------------------------------------------


def _session_store(session_key: str) -> object:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


def _end_session(session_key: str) -> None:
    """Delete the session from the session store: its very next request is signed out."""
    _session_store(session_key).delete()  # type: ignore[attr-defined]
    UserSession.objects.filter(session_key=session_key).delete()


def session_touch(
    *, session_key: str, user: User, ip: str | None, user_agent: str, now: datetime | None = None
) -> None:
    """Note that a session was used (the middleware calls this at most once a minute per session)."""
    now = now or timezone.now()
    UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "ip": ip, "user_agent": user_agent[:255], "last_seen_at": now},
        create_defaults={
            "user": user,
            "ip": ip,
            "user_agent": user_agent[:255],
            "started_at": now,
            "last_seen_at": now,
        },
    )


@transaction.atomic
def signout_record(*, user: User, session_key: str | None) -> None:
    """A user signed out: forget the session and audit it (Django flushes the session itself)."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()
    audit_log(actor=user, action=AuditEntry.Action.SIGN_OUT, obj=user)


@transaction.atomic
def sessions_end_for_user(*, user: User) -> int:
    """Sign the user out everywhere (e.g. when frozen or when their password was reset), their API tokens
    revoked too; returns how many sessions ended."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        _end_session(key)
    return len(keys)


@transaction.atomic
def session_force_end(*, actor: User, session: UserSession) -> None:
    """An administrator signs a session out (强制下线): needs ``org.edit`` and the user in scope."""
    require_perm(actor, "org.edit")
    if not UserSession.objects.visible_to(actor).filter(pk=session.pk).exists():
        raise NotPermitted(_("You are not allowed to do this."))
    _end_session(session.session_key)
    audit_log(actor=actor, action=AuditEntry.Action.SIGN_OUT, obj=session.user, note="forced sign-out")


@transaction.atomic
def session_end_own(*, user: User, session: UserSession) -> None:
    """A user signs one of their own other sessions out (a lost phone, a shared computer)."""
    if session.user_id != user.pk:
        raise NotPermitted(_("You are not allowed to do this."))
    _end_session(session.session_key)
    audit_log(actor=user, action=AuditEntry.Action.SIGN_OUT, obj=user, note="session ended by its user")


# --- Admin password reset --------------------------------------------------------------------------


@transaction.atomic
def user_reset_password(*, actor: User, user: User, new_password: str) -> None:
    """An administrator sets a user's password: needs ``org.edit`` and the user in the actor's scope.
    Every session of the user ends, so whoever held the old password is out at once."""
    require_perm(actor, "org.edit")
    if not User.objects.visible_to(actor).filter(pk=user.pk).exists():
        raise NotPermitted(_("You are not allowed to do this."))
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="new_password1") from error
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=user,
        changes={"password": ["***", "***"]},
        note="password reset by an administrator",
    )
    sessions_end_for_user(user=user)


@transaction.atomic
def user_sessions_prune(*, at: datetime) -> int:
    """Forget sessions unused for longer than a session lives: they have expired. Returns how many."""
    stale = at - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    deleted, _rows = UserSession.objects.filter(last_seen_at__lt=stale).delete()
    return deleted
