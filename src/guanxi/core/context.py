"""Who is acting and from where, for the audit log: set once per request by the middleware."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
