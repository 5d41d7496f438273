"""The `aftersales` console command: Django's management commands under one product name.

`aftersales worker` runs the task worker with the periodic schedule, `aftersales seed`, `aftersales demo`
and every other management command behave as `manage.py <command>`.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["aftersales", *(sys.argv[1:] if argv is None else argv)])
    return 0
