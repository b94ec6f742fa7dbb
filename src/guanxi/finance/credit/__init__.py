"""Customer credit (客户信用评估, issue 27): each customer's rating A–E and limit, computed nightly from its own
payment history (``rules`` and the ``credit_rate`` sweep in ``tasks``), a manager's override, the available
credit on the quote and order pages, and the approval of an order that would go above it (``services``)."""
