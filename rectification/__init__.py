"""The rectification ledger (整改台账): working-day deadlines by the State Council calendar,
deadline rules, items with their progress, close-out and extensions, revisits, accountability,
reminders and the digest mail, and the ledger's Excel round trip. Stands on ``inspections``."""
