"""The customer list's own features (SPEC §2.4): stars, saved filters, chosen columns, bulk actions, restore."""
