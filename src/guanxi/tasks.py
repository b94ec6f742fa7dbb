"""The queue. Huey's Django integration builds it from settings.HUEY; apps declare tasks in their tasks.py."""

from huey.contrib.djhuey import HUEY as huey

__all__ = ["huey"]
