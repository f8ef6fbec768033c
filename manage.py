#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A machine with no configuration at all is a developer's: run as `make run`
    # does. A deployment always sets SECRET_KEY, so it never gets this default
    # (and without SECRET_KEY and with DEBUG off, settings refuse to start).
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
