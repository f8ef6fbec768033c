"""Circulars (通报): drafting, numbering, the notice as the page and the workbook show it, and
publishing, which lifts the embargo on its findings and opens their ledger items. Stands on
``inspections`` and ``rectification``."""
