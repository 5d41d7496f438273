"""`mail_poll()`: email in from an IMAP mailbox. Each new message goes through `mail_ingest`, the same
service the MTA pipe (`aftersales mail ingest`) uses, then is marked processed on the server.

Nothing is lost and nothing is recorded twice: a message is marked processed (flagged \\Seen, deleted,
or moved to a folder: `AFTERSALES_IMAP_PROCESSED`) only after `mail_ingest` has committed its outcome
(a request, a reply, a logged drop, or the quarantine). If the poll dies in between, the message is
fetched again next time and `mail_ingest` recognises its Message-ID: a duplicate, which is then
marked. A run handles at most `AFTERSALES_IMAP_BATCH` messages, oldest first.

The mailbox should be one the service owns: in `seen` mode a message someone read in a mail client
before the poll is not fetched."""

from __future__ import annotations

import base64
import imaplib
import logging
import re
import ssl
from dataclasses import asdict, dataclass

from django.conf import settings

from aftersales.service.mail.ingest import DUPLICATE, mail_ingest
from aftersales.service.models import InboundMessage

logger = logging.getLogger(__name__)
Outcome = InboundMessage.Outcome

# Which messages are still to do: in `seen` mode the unseen ones; otherwise whatever is still there.
SEARCH = {"seen": ("UNSEEN", "UNDELETED"), "delete": ("UNDELETED",), "move": ("UNDELETED",)}
DROPPED = {Outcome.DROPPED_AUTO_REPLY, Outcome.DROPPED_BOUNCE, Outcome.DROPPED_LOOP}


class PollError(Exception):
    """One line saying what went wrong. `retry`: worth trying again later (the server was unreachable),
    as opposed to a configuration to fix (password, mailbox)."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str  # "ssl", "starttls" or "none"
    user: str
    password: str
    mailbox: str
    processed: str  # "seen", "delete" or "move"
    processed_folder: str
    batch: int
    timeout: int
    ca_file: str = ""

    @classmethod
    def from_settings(cls) -> ImapConfig:
        if not settings.AFTERSALES_IMAP_HOST:
            raise PollError("AFTERSALES_IMAP_HOST is not set: no mailbox to poll")
        return cls(
            host=settings.AFTERSALES_IMAP_HOST,
            port=settings.AFTERSALES_IMAP_PORT,
            security=settings.AFTERSALES_IMAP_SECURITY,
            user=settings.AFTERSALES_IMAP_USER,
            password=settings.AFTERSALES_IMAP_PASSWORD,
            mailbox=settings.AFTERSALES_IMAP_MAILBOX,
            processed=settings.AFTERSALES_IMAP_PROCESSED,
            processed_folder=settings.AFTERSALES_IMAP_PROCESSED_FOLDER,
            batch=settings.AFTERSALES_IMAP_BATCH,
            timeout=settings.AFTERSALES_IMAP_TIMEOUT,
            ca_file=settings.AFTERSALES_IMAP_CA_FILE,
        )


@dataclass
class PollSummary:
    fetched: int = 0
    created: int = 0
    threaded: int = 0
    dropped: int = 0
    quarantined: int = 0
    duplicates: int = 0
    left: int = 0  # messages beyond this run's batch, for the next run

    def count(self, outcome: str) -> None:
        self.fetched += 1
        if outcome in DROPPED:
            self.dropped += 1
        elif outcome == DUPLICATE:
            self.duplicates += 1
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in asdict(self).items())

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def mail_poll(*, config: ImapConfig | None = None) -> PollSummary:
    """One run: fetch up to a batch of unprocessed messages, ingest each, mark each processed."""
    config = config or ImapConfig.from_settings()
    summary = PollSummary()
    with Mailbox(config) as mailbox:
        uids = mailbox.unprocessed()
        summary.left = max(len(uids) - config.batch, 0)
        for uid in uids[: config.batch]:
            raw = mailbox.fetch(uid)
            if raw is None:  # expunged by someone else since the search
                continue
            try:
                result = mail_ingest(raw=raw)  # committed when it returns
            except Exception as exc:
                raise PollError(
                    f"ingesting message UID {uid} failed ({exc}); it stays unprocessed on the server",
                    retry=True,
                ) from exc
            summary.count(result.outcome)
            mailbox.mark_processed(uid)
        mailbox.finish()
    logger.info("mail poll %s@%s/%s: %s", config.user, config.host, config.mailbox, summary.line())
    return summary


def imap_utf7(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501 5.1.3), e.g. 已处理 -> &XfJZBHQG-."""
    encoded, pending = [], []

    def flush() -> None:
        if pending:
            chunk = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=").decode()
            encoded.append("&" + chunk.replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(encoded)


def _quoted(name: str) -> str:
    return '"' + imap_utf7(name).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data) -> str:
    """A server's answer or an exception, as one readable line."""
    if isinstance(data, BaseException):
        data = data.args[0] if data.args else type(data).__name__
    if isinstance(data, list):
        data = data[-1] if data else ""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    text = " ".join(str(data).split())
    return re.sub(r"\s*\([\d.]+ \+ [\d.]+( \+ [\d.]+)? secs\)\.?$", "", text)  # Dovecot's timings


class Mailbox:
    """One logged-in IMAP session on the configured mailbox, closed on exit. Every failure is a
    PollError with one line of explanation."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.connection: imaplib.IMAP4 | None = None
        self.where = f"{config.host}:{config.port}"

    def __enter__(self) -> Mailbox:
        self.connection = self._connect()
        config = self.config
        try:
            self.connection.login(config.user, config.password)
        except (imaplib.IMAP4.abort, OSError) as exc:
            self._drop_connection()
            raise PollError(
                f"IMAP server {self.where} dropped the connection: {_text(exc)}", retry=True
            ) from exc
        except (imaplib.IMAP4.error, UnicodeEncodeError) as exc:
            self._drop_connection()
            raise PollError(f"IMAP login as {config.user!r} on {self.where} failed: {_text(exc)}") from exc
        try:
            self._select()
        except BaseException:
            self._drop_connection()
            raise
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            try:
                self.connection.logout()
            except (imaplib.IMAP4.error, OSError):
                self._drop_connection()
        else:
            self._drop_connection()

    def _connect(self) -> imaplib.IMAP4:
        config = self.config
        context = ssl.create_default_context(cafile=config.ca_file or None)
        try:
            if config.security == "ssl":
                return imaplib.IMAP4_SSL(
                    config.host, config.port, ssl_context=context, timeout=config.timeout
                )
            connection = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
            if config.security == "starttls":
                try:
                    connection.starttls(context)
                except BaseException:
                    connection.shutdown()
                    raise
            return connection
        except ssl.SSLError as exc:
            raise PollError(f"TLS with the IMAP server {self.where} failed: {exc.reason or exc}") from exc
        except imaplib.IMAP4.error as exc:
            raise PollError(f"IMAP server {self.where}: {_text(exc)}") from exc
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise PollError(f"cannot connect to the IMAP server {self.where}: {reason}", retry=True) from exc

    def _drop_connection(self) -> None:
        try:
            self.connection.shutdown()
        except (imaplib.IMAP4.error, OSError):
            pass

    def _command(self, what: str, call, *args, refused: str = ""):
        """Run one IMAP command; a NO/BAD answer (said as `refused`) or a broken connection becomes a
        PollError."""
        try:
            typ, data = call(*args)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise PollError(f"IMAP {what} on {self.where} failed: {_text(exc)}", retry=True) from exc
        if typ != "OK":
            raise PollError(f"{refused or f'IMAP {what} on {self.where} refused'}: {_text(data)}")
        return data

    def _select(self) -> None:
        config = self.config
        self._command(
            f"SELECT {config.mailbox!r}",
            self.connection.select,
            _quoted(config.mailbox),
            refused=f"mailbox {config.mailbox!r} on {self.where} cannot be opened",
        )
        if config.processed != "move":
            return
        capabilities = self._command("CAPABILITY", self.connection.capability)[0].decode().upper().split()
        if "MOVE" not in capabilities:
            raise PollError(
                f"IMAP server {self.where} cannot MOVE messages: "
                "set AFTERSALES_IMAP_PROCESSED to seen or delete"
            )
        folder = _quoted(config.processed_folder)
        if self._command("LIST", self.connection.list, '""', folder) == [None]:
            self._command(f"CREATE {config.processed_folder!r}", self.connection.create, folder)

    def unprocessed(self) -> list[int]:
        data = self._command("SEARCH", self.connection.uid, "SEARCH", *SEARCH[self.config.processed])
        return sorted(int(uid) for uid in (data[0] or b"").split())

    def fetch(self, uid: int) -> bytes | None:
        data = self._command(f"FETCH of UID {uid}", self.connection.uid, "FETCH", str(uid), "(BODY.PEEK[])")
        # The message is the literal in a tuple; plain bytes are other untagged news (flags changed).
        return next((part[1] for part in data if isinstance(part, tuple)), None)

    def mark_processed(self, uid: int) -> None:
        uid_text, processed = str(uid), self.config.processed
        try:
            if processed == "move":
                self._command(
                    "MOVE", self.connection.uid, "MOVE", uid_text, _quoted(self.config.processed_folder)
                )
            else:
                flag = r"(\Seen)" if processed == "seen" else r"(\Deleted)"
                self._command("STORE", self.connection.uid, "STORE", uid_text, "+FLAGS.SILENT", flag)
        except PollError as exc:
            raise PollError(
                f"message UID {uid} was ingested but could not be marked processed ({exc}); "
                "the next poll fetches it again and recognises it as a duplicate",
                retry=True,
            ) from exc

    def finish(self) -> None:
        if self.config.processed == "delete":
            self._command("EXPUNGE", self.connection.expunge)
