"""One date format per language, used by every page, list and export (SPEC §15): ISO days, which never
wrap mid-date and sort as they read. Django's defaults mixed 2026年12月6日, 2026/12/6 and Dec. 6, 2026."""
