"""Inspections: the problem taxonomy and its quantitative facts, campaigns, open and undercover
visits, findings with their review, and evidence (checked, sealed, with clean copies for the
hall side). ``inspections.scope`` holds the undercover embargo. Stands on ``registry``."""
