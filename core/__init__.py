"""The framework every app stands on, knowing no domain: the Excel writer and the safe
spreadsheet reader, background exports and downloads, import batches with their upload and
preview pages, light pagination, list and form helpers, change-history display, the language
middleware, how code asks the policy by name (``core.permissions``), and the backup and
restore of the whole database and storage (``core.backup``)."""
