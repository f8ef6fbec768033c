"""Rectification ledger, progress, revisits and accountability (to come)."""
