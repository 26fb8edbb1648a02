"""Admin work: verifying employers, the audit log, and the outbox's dead letters."""
