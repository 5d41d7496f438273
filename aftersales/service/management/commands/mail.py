"""`aftersales mail ingest`: read one raw RFC 5322 message from standard input (an MTA pipe), or
`aftersales mail ingest FILE...`: each file one raw message (a Maildir's files, a backlog), in one process.
`aftersales mail poll`: fetch new messages from the IMAP mailbox set by `AFTERSALES_IMAP_*`.

`ingest` exits 0 when the message became a request or a reply, was dropped (automatic reply, bounce,
loop), was a duplicate, or was quarantined (logged and kept with its raw bytes: never lost). Non-zero
only on an internal error, so that the MTA keeps the message and retries.

`poll --once` runs one batch and prints its summary; without `--once` it polls every `--interval`
seconds until stopped (SIGTERM/SIGINT), carrying on when the server is unreachable, and stops with a
non-zero exit on what needs fixing (a wrong password, a missing mailbox)."""

import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftersales.service.mail.imap import PollError, mail_poll
from aftersales.service.mail.ingest import mail_ingest


class Command(BaseCommand):
    help = "Email in: `mail ingest` reads one raw message from standard input; `mail poll` polls IMAP."
    stealth_options = ("stdin",)
    # Run once per message by an MTA: the full system checks (URLs, templates, the KPI catalogue, the
    # holiday calendar) belong to deployment (`aftersales check`), not to every delivery.
    requires_system_checks = []

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        ingest = actions.add_parser(
            "ingest", help="read one raw RFC 5322 message from standard input, or each FILE given"
        )
        ingest.add_argument("files", nargs="*", metavar="FILE", help="files holding one raw message each")
        poll = actions.add_parser("poll", help="fetch new messages from the IMAP mailbox (AFTERSALES_IMAP_*)")
        poll.add_argument("--once", action="store_true", help="one batch, then exit")
        poll.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between polls (default: AFTERSALES_IMAP_INTERVAL)",
        )

    def handle(self, *args, action: str, **options):
        if action == "poll":
            return self._poll(once=options["once"], interval=options["interval"])
        if options["files"]:
            return self._ingest_files(options["files"])
        return self._ingest(options.get("stdin") or sys.stdin.buffer)

    def _ingest_files(self, paths: list[str]) -> None:
        """Each file through the same ingest as standard input, in one process (no start-up per message).
        A file that cannot be read or ingested is named, the others go on; the exit is then non-zero."""
        failed = []
        for path in paths:
            self.stdout.write(f"{path}: ", ending="")
            try:
                with open(path, "rb") as handle:
                    self._ingest(handle, empty="the file is empty")
            except (OSError, CommandError) as exc:
                self.stdout.write(f"failed ({exc})")
                failed.append(path)
        if failed:
            raise CommandError(f"{len(failed)} of {len(paths)} files failed: {', '.join(failed)}")

    def _ingest(self, stream, empty: str = "no message on standard input") -> None:
        raw = stream.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw:
            raise CommandError(empty)
        try:
            result = mail_ingest(raw=raw)
        except Exception as exc:
            raise CommandError(f"mail ingest failed: {exc}") from exc
        number = f" {result.ticket.number}" if result.ticket else ""
        reason = f" ({result.reason})" if result.reason else ""
        self.stdout.write(f"{result.outcome}{number}{reason}")

    def _poll(self, *, once: bool, interval: float | None) -> None:
        interval = settings.AFTERSALES_IMAP_INTERVAL if interval is None else interval
        if interval < 0:
            raise CommandError("--interval must be zero or more")
        if once:
            try:
                self.stdout.write(mail_poll().line())
            except PollError as exc:
                raise CommandError(str(exc)) from exc
            return
        self.stopping = False
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self.stopping:
                try:
                    summary = mail_poll()
                except PollError as exc:
                    if not exc.retry:
                        raise CommandError(str(exc)) from exc
                    self.stderr.write(f"{exc}; trying again in {interval:g} s")
                    self._sleep(interval)
                    continue
                self.stdout.write(summary.line())
                if not summary.left:  # a full batch: the rest at once, not an interval later
                    self._sleep(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.25))

    def _stop(self, signum, frame) -> None:
        self.stopping = True
