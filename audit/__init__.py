"""The security event log (安全审计日志): logins, lockouts, two-factor events, refusals, exports,
downloads, imports, role changes, publishing — written once, never changed (audit.models)."""
