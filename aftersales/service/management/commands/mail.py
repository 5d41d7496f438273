"""`aftersales mail ingest`: read one raw RFC 5322 message from standard input (an MTA pipe).

Exit 0 when the message became a request or a reply, was dropped (automatic reply, bounce, loop),
was a duplicate, or was quarantined (logged and kept with its raw bytes: never lost). Non-zero only
on an internal error, so that the MTA keeps the message and retries."""

import sys

from django.core.management.base import BaseCommand, CommandError

from aftersales.service.mail.ingest import mail_ingest


class Command(BaseCommand):
    help = "Email in: `mail ingest` reads one raw message from standard input."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("ingest", help="read one raw RFC 5322 message from standard input")

    def handle(self, *args, **options):
        stream = options.get("stdin") or sys.stdin.buffer
        raw = stream.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw:
            raise CommandError("no message on standard input")
        try:
            result = mail_ingest(raw=raw)
        except Exception as exc:
            raise CommandError(f"mail ingest failed: {exc}") from exc
        number = f" {result.ticket.number}" if result.ticket else ""
        reason = f" ({result.reason})" if result.reason else ""
        self.stdout.write(f"{result.outcome}{number}{reason}")
