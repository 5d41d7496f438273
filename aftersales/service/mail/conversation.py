"""How the mails about one request hang together in the customer's mail client, and how a reply
finds its request again: every outgoing mail about a request refers to one root Message-ID that
carries the request number."""

import re
from email.utils import make_msgid

_ROOT = re.compile(r"<(SR\d{4}-\d{6})\.thread@[^<>\s]+>")


def root_message_id(number: str, domain: str) -> str:
    """The made-up first message of a request's thread: `<SR2611-000123.thread@service.example>`."""
    return f"<{number}.thread@{domain}>"


def thread_headers(number: str, domain: str) -> dict[str, str]:
    """Headers of an outgoing mail about request `number`: a fresh Message-ID, answering the root."""
    root = root_message_id(number, domain)
    return {"Message-ID": make_msgid(idstring=number, domain=domain), "In-Reply-To": root, "References": root}


def number_from_message_ids(message_ids: list[str]) -> str | None:
    """The request a reply belongs to, from its In-Reply-To / References, if they name a root of ours."""
    for message_id in message_ids:
        if match := _ROOT.fullmatch(message_id):
            return match.group(1)
    return None
