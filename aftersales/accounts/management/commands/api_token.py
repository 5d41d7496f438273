"""`aftersales api_token USERNAME --name NAME`: create a bearer token for the API and print it once.

Only the token's SHA-256 is stored, so it cannot be shown again; create a new one if it is lost.
`--list` shows a user's tokens (by prefix), `--revoke=PREFIX` revokes one (write it with `=`: a prefix may
start with "-").
"""

from django.core.management.base import BaseCommand, CommandError

from aftersales.accounts.models import User
from aftersales.accounts.services import api_token_create, api_token_revoke
from aftersales.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create (and print once), list or revoke API tokens of a user."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", help="what the token is for, e.g. the integration's name")
        parser.add_argument("--list", action="store_true", help="list the user's tokens")
        parser.add_argument(
            "--revoke",
            metavar="PREFIX",
            help="revoke the user's token with this prefix (write --revoke=PREFIX: a prefix may start with -)",
        )

    def handle(self, *args, username: str, name: str | None, list: bool, revoke: str | None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user '{username}'.")
        if list:
            for token in user.api_tokens.all():
                state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(f"{token.prefix}…  {token.name}  ({state}, last used {used})")
            return
        if revoke:
            tokens = [
                token for token in user.api_tokens.filter(revoked_at__isnull=True) if token.prefix == revoke
            ]
            if len(tokens) != 1:
                raise CommandError(f"{username} has no active token with prefix '{revoke}'.")
            api_token_revoke(token=tokens[0])
            self.stdout.write(f"Revoked {tokens[0]}.")
            return
        if not name:
            raise CommandError("Give the token a --name.")
        try:
            _token, raw = api_token_create(user=user, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Token for {username} ({name}); it is shown only this once:")
        self.stdout.write(raw)
