"""Configuration tools shared by every module (SPEC §14.1–14.3): the data dictionary, parameters,
custom fields, and record numbering. Each module keeps its registry, reads and writes together."""
