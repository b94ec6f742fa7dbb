"""Signing in: Django's password backend, reading the signed-in user together with their department, which
nearly every request asks for (the user's business unit, data scope and menu)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("department").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
