"""Channel partners' sales (SPEC §14.8): the Partner tab of a partner customer's 360 page — the customers it
brought, their opportunities and orders, and the totals — each list through its own scope gate."""
