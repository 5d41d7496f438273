"""Parse, decode and classify one raw RFC 5322 message. Pure: no ORM, no settings.

Chinese mail arrives as GB2312 / GBK / GB18030 or UTF-8; GB2312 and GBK are read as GB18030, their
superset, because mailers label GBK text "gb2312" all the time. A body that does not decode in its
declared charset is an error (the message is quarantined), never a mojibake request."""

from __future__ import annotations

import email
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

import nh3

GB_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
}
AUTO_PRECEDENCE = {"bulk", "auto_reply", "junk", "list"}
OWN_HEADER = "X-Aftersales-Ticket"
TICKET_NUMBER = re.compile(r"\[(SR\d{4}-\d{6})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
HEADER_END = re.compile(rb"\r?\n\r?\n")
HEADER_READ_LIMIT = 64 * 1024
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
# Out-of-office replies from Chinese webmail often carry no header at all, only the subject prefix.
AUTO_SUBJECT = re.compile(
    r"^\s*(自动回复|自動回覆|Auto(matic)?[ -]?reply|Autoreply|Out of (the )?Office)", re.IGNORECASE
)
# Where the quoted original starts in a reply: Gmail / Apple Mail, QQ Mail / Foxmail / 163, Outlook.
QUOTE_OPENERS = (
    re.compile(r"^\s*On\b.*\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*在.*写道\s*[:：]\s*$"),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|原始邮件|Forwarded message|转发邮件)\s*-{2,}\s*$", re.IGNORECASE
    ),
)
QUOTE_FROM = re.compile(r"^\s*(From|发件人)\s*[:：]", re.IGNORECASE)
QUOTE_FROM_NEXT = re.compile(r"^\s*(Sent|Date|To|发送时间|日期|收件人)\s*[:：]", re.IGNORECASE)

NORMAL = "normal"
AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
LOOP = "loop"


class MailParseError(Exception):
    """The message cannot be turned into a request: it is kept as quarantined."""


@dataclass
class MailAttachment:
    filename: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    from_address: str
    from_name: str
    subject: str
    body: str
    attachments: list[MailAttachment] = field(default_factory=list)
    kind: str = NORMAL
    reason: str = ""

    @property
    def thread_ids(self) -> list[str]:
        """Ids this message answers, the direct parent first."""
        return [*self.in_reply_to, *reversed(self.references)]


def raw_message_id(raw: bytes) -> str:
    """The stable id of a message without one (or that cannot be parsed): a digest of its bytes."""
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id>"


def best_effort_headers(raw: bytes) -> dict[str, str]:
    """Message-ID, From and Subject of a message that is not parsed (unreadable, or too large), for
    the quarantine row. Only the header block is read, up to its first 64 KiB."""
    head = HEADER_END.split(raw[:HEADER_READ_LIMIT], maxsplit=1)[0]
    try:
        msg = email.message_from_bytes(head, policy=policy.compat32)
        found = {name: str(msg.get(name, "") or "") for name in ("Message-ID", "From", "Subject")}
    except Exception:  # noqa: BLE001 - anything: the quarantine row must still be written
        found = {}
    ids = MESSAGE_ID.findall(found.get("Message-ID", ""))
    found["Message-ID"] = ids[0][:250] if ids else raw_message_id(raw)
    return found


def ticket_number_in(subject: str) -> str | None:
    match = TICKET_NUMBER.search(subject or "")
    return match.group(1) if match else None


def strip_quoted(text: str) -> str:
    """A reply without the quoted original it carries (and without `>` quoted lines); the whole text
    when nothing else would remain."""
    lines = text.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1 : index + 3]
        if any(opener.match(line) for opener in QUOTE_OPENERS):
            break
        if line.lstrip().startswith("On ") and any(nxt.rstrip().endswith("wrote:") for nxt in following):
            break  # "On <date>, <name> <\n address> wrote:" wrapped over two lines
        if QUOTE_FROM.match(line) and any(QUOTE_FROM_NEXT.match(nxt) for nxt in following):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    stripped = "\n".join(kept).strip()
    return stripped or text.strip()


def html_to_text(markup: str) -> str:
    """Sanitised by nh3 to no tags at all (script and style content removed), line breaks kept."""
    markup = re.sub(r"(?i)<br\s*/?>", "\n", markup)
    markup = re.sub(r"(?i)</(p|div|li|tr|h[1-6]|blockquote)\s*>", "\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _charset(part: EmailMessage) -> str:
    charset = (part.get_content_charset() or "utf-8").lower()
    return GB_ALIASES.get(charset, charset)


def _text_of(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = _charset(part)
    try:
        return payload.decode(charset)
    except LookupError as exc:
        raise MailParseError(f"unknown charset {charset!r}") from exc
    except UnicodeDecodeError as exc:
        raise MailParseError(f"body does not decode as {charset}") from exc


def _header(msg: EmailMessage, name: str) -> str:
    value = msg.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def classify(msg: EmailMessage, from_address: str) -> tuple[str, str]:
    """Our own mail coming back, a bounce (RFC 3464), or an automatic reply (RFC 3834 and the usual
    vendor headers); otherwise a message a person wrote."""
    if msg.get(OWN_HEADER) is not None:
        return LOOP, f"our own outgoing mail ({OWN_HEADER})"
    if msg.get_content_type() == "multipart/report" and (
        (msg.get_param("report-type") or "").lower() == "delivery-status"
    ):
        return BOUNCE, "delivery status report (RFC 3464)"
    local_part = from_address.rsplit("@", 1)[0].lower()
    if local_part in BOUNCE_SENDERS:
        return BOUNCE, f"sent by {local_part}"
    return_path = msg.get("Return-Path")
    if return_path is not None and str(return_path).strip() in {"<>", ""}:
        return BOUNCE, "empty Return-Path"
    auto_submitted = _header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return AUTO_REPLY, f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if msg.get(name) is not None:
            return AUTO_REPLY, name
    precedence = _header(msg, "Precedence").lower()
    if precedence in AUTO_PRECEDENCE:
        return AUTO_REPLY, f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        if msg.get(name) is not None:
            return AUTO_REPLY, f"mailing list ({name})"
    if AUTO_SUBJECT.match(_header(msg, "Subject")):
        return AUTO_REPLY, "automatic reply subject"
    return NORMAL, ""


def _body_and_attachments(msg: EmailMessage) -> tuple[str, list[MailAttachment]]:
    plain: str | None = None
    markup: str | None = None
    attachments: list[MailAttachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        content_type = part.get_content_type()
        if disposition == "attachment" or filename or content_type not in {"text/plain", "text/html"}:
            if content_type == "message/rfc822":
                continue
            content = part.get_payload(decode=True)  # decoded once: attachments are most of the bytes
            if content is None:
                continue
            attachments.append(MailAttachment(filename=(filename or "attachment").strip(), content=content))
        elif content_type == "text/plain" and plain is None:
            plain = _text_of(part)
        elif content_type == "text/html" and markup is None:
            markup = _text_of(part)
    if plain is not None and plain.strip():
        body = plain.strip()
    elif markup is not None:
        body = html_to_text(markup)
    else:
        body = ""
    return body.replace("\r\n", "\n"), attachments


def parse_mail(raw: bytes) -> ParsedMail:
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # noqa: BLE001 - the email package raises more than one kind
        raise MailParseError(f"unreadable message: {exc}") from exc
    try:
        from_header = msg.get("From")
        addresses = from_header.addresses if from_header is not None else ()
    except Exception as exc:  # noqa: BLE001
        raise MailParseError(f"unreadable From: {exc}") from exc
    addresses = [address for address in addresses if address.addr_spec and "@" in address.addr_spec]
    if not addresses:
        raise MailParseError("no From address")
    sender = addresses[0]
    from_address = sender.addr_spec.strip().lower()
    ids = MESSAGE_ID.findall(_header(msg, "Message-ID"))
    kind, reason = classify(msg, from_address)
    parsed = ParsedMail(
        message_id=ids[0][:250] if ids else raw_message_id(raw),
        in_reply_to=MESSAGE_ID.findall(_header(msg, "In-Reply-To")),
        references=MESSAGE_ID.findall(_header(msg, "References")),
        from_address=from_address[:254],
        from_name=(sender.display_name or "").strip(),
        subject=_header(msg, "Subject"),
        body="",
        kind=kind,
        reason=reason,
    )
    if kind == NORMAL:
        parsed.body, parsed.attachments = _body_and_attachments(msg)
    return parsed
