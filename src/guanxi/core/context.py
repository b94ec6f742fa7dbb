"""Who is acting and from where, for the audit log: set once per request by the middleware."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
# The reader's choice to see large amounts in 万 (a user setting); off outside a request.
amounts_in_wan: ContextVar[bool] = ContextVar("amounts_in_wan", default=False)
