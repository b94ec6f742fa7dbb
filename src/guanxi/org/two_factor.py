"""Two-factor sign-in with a TOTP authenticator app (SPEC §1.5): set-up, the check, and the role rule.

A user turns it on from their security page; a role with ``require_two_factor`` makes it compulsory for
whoever holds it. The secret stays in the session until the user proves the app works with a code.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import audit_log
from guanxi.core.errors import DomainError
from guanxi.core.models import AuditEntry

from .models import TwoFactor, User

ISSUER = "Guanxi"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// address authenticator apps read from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup, drawn on the server (no image library, no inline style)."""
    import qrcode  # here, not at import: only setting up two-factor sign-in draws one (and it brings PIL)
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


def is_enabled(user: User) -> bool:
    return TwoFactor.objects.filter(user=user).exists()


def is_required(user: User) -> bool:
    return user.roles.filter(require_two_factor=True).exists()


def setup_missing(user: User) -> bool:
    """True when one of the user's roles requires two-factor sign-in and they have not set it up. The roles
    are read with the user's grants (once per request); the set-up only when a role requires it."""
    from guanxi.core.permissions import grants_of

    if not grants_of(user).two_factor:
        return False
    return not TwoFactor.objects.filter(user_id=user.pk).exists()


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code this is: the current one, or one either side for a slow clock."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(at)
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def two_factor_check(*, user: User, code: str) -> bool:
    """Whether the code is right and unused. The database decides, so a code is accepted only once
    even when two requests race with it."""
    device = TwoFactor.objects.filter(user=user).first()
    if device is None:
        return False
    step = _matching_step(device.secret, code, timezone.now())
    if step is None:
        return False
    return TwoFactor.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step) == 1


@transaction.atomic
def two_factor_enable(*, user: User, secret: str, code: str) -> TwoFactor:
    """Turn on two-factor sign-in once the user shows their app gives the right code for ``secret``."""
    if TwoFactor.objects.filter(user=user).exists():
        raise DomainError(_("Two-factor sign-in is already on."), code="two_factor_enabled")
    step = _matching_step(secret, code, timezone.now()) if secret else None
    if step is None:
        raise DomainError(_("That code is not right. Enter the six digits your app shows now."), field="code")
    device = TwoFactor.objects.create(user=user, secret=secret, last_step=step)
    audit_log(actor=user, action=AuditEntry.Action.UPDATE, obj=user, note="two-factor sign-in enabled")
    return device


@transaction.atomic
def two_factor_disable(*, user: User, password: str) -> None:
    """Turn it off; needs the password, and is refused while a role requires it."""
    if not user.check_password(password):
        raise DomainError(_("Your password was entered incorrectly."), field="password")
    if is_required(user):
        raise DomainError(
            _("Your role requires two-factor sign-in, so it cannot be turned off."),
            code="two_factor_required",
        )
    deleted, _count = TwoFactor.objects.filter(user=user).delete()
    if deleted:
        audit_log(actor=user, action=AuditEntry.Action.UPDATE, obj=user, note="two-factor sign-in disabled")
