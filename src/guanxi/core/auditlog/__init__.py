"""Reading the audit log (操作日志, SPEC §1.6): the admin viewer, a record's History tab and the API.
Writing it is ``core.audit``."""
