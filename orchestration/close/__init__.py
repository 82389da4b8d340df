"""Period close: schedules, the run-failure sensor, sign-offs, restatement support,
the read-only BI role and the close report."""
