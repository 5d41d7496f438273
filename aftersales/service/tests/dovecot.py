"""A real IMAP server for the tests: Debian's Dovecot (package dovecot-imapd), run as our own process
with its own configuration in a temporary directory; the system's Dovecot service is not used.

It listens on 127.0.0.1 on two free ports: IMAP (plaintext login allowed, STARTTLS offered) and IMAPS,
with a self-signed certificate for 127.0.0.1 made by `openssl`. One user, mail in Maildir. It runs as
the current user; as root (CI), Dovecot will not run its processes as root, so the login processes
run as `dovenull` and the mail ones as `dovecot`, the users the Debian package creates.

A test run killed outright (SIGKILL, a CI timeout) runs no teardown: on Linux the kernel ends Dovecot's
master when the test process dies (PR_SET_PDEATHSIG), and its own children follow their master; a
server left over anyway (another system, an older run) is stopped by the next run's start, found by
the owner.pid file each server directory holds."""

from __future__ import annotations

import ctypes
import getpass
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

USER = "service@example.test"
PASSWORD = "imap-test-password"  # noqa: S105 - a throwaway account of the throwaway server
INSTALL_HINT = "run `make system-deps` (as root) to install Debian's dovecot-imapd"
DIRECTORY_PREFIX = "aftersales-dovecot-"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def parent_death_signal():
    """A callable for Popen's preexec_fn, run in the child between fork and exec: the kernel sends the
    child SIGTERM when the process that started it dies, even by SIGKILL, when no teardown runs.
    Without it a killed test run left its Dovecot listening (an orphan adopted by init) until someone
    noticed. Linux only (None elsewhere, where the stale-server sweep at the next start does the job).
    libc is looked up here, in the parent: after fork only the prctl call itself is safe to make."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def die_with_parent() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            os._exit(127)  # no guarantee, no server: better a failed start than an orphan

    return die_with_parent


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, someone else's
    return True


def stop_stale_servers(temp_root: Path | None = None) -> list[Path]:
    """Stop the test Dovecots whose test process is gone, remove their directories; returns those
    removed. Each server directory holds owner.pid (the test process) and run/master.pid (Dovecot's
    master, written by Dovecot); a directory whose owner still runs belongs to a live run (another
    worker, another helper) and is left alone."""
    removed = []
    for directory in sorted(Path(temp_root or tempfile.gettempdir()).glob(DIRECTORY_PREFIX + "*")):
        if not directory.is_dir() or directory.stat().st_uid != os.geteuid():
            continue
        try:
            owner = int((directory / "owner.pid").read_text())
        except (OSError, ValueError):
            continue  # not (yet) ours to judge: being created, or from before owner.pid existed
        if process_alive(owner):
            continue
        try:
            master = int((directory / "run" / "master.pid").read_text())
        except (OSError, ValueError):
            master = None
        if master is not None and process_alive(master):
            try:
                os.kill(master, signal.SIGTERM)
            except OSError:
                pass
        shutil.rmtree(directory, ignore_errors=True)
        removed.append(directory)
    return removed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dovecot_binary() -> str:
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        pytest.fail(f"Dovecot is not installed: {INSTALL_HINT}", pytrace=False)
    return binary


class Dovecot:
    def __init__(self) -> None:
        self.binary = dovecot_binary()
        stop_stale_servers()
        self.root = Path(tempfile.mkdtemp(prefix=DIRECTORY_PREFIX))
        (self.root / "owner.pid").write_text(str(os.getpid()))
        self.root.chmod(0o755)  # as root, Dovecot's unprivileged processes must reach their files
        self.port, self.ssl_port = free_port(), free_port()
        self.cert = self.root / "cert.pem"
        self.log = self.root / "dovecot.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self._make_certificate()
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        if os.geteuid() == 0:
            login_user, internal_user, mail_user = "dovenull", "dovecot", "dovecot"
            chroot = ""  # the default: login processes chrooted into base_dir/login
        else:
            login_user = internal_user = mail_user = getpass.getuser()
            chroot = "service anvil {\n  chroot =\n}\n"  # chroot needs root
        mail = pwd.getpwnam(mail_user)
        for directory in ("run", "state", "mail"):
            (self.root / directory).mkdir()
        os.chown(self.root / "mail", mail.pw_uid, mail.pw_gid)
        conf = self.root / "dovecot.conf"
        conf.write_text(
            f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = aftersales-test-{self.port}
log_path = {self.log}
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name}
first_valid_uid = {mail.pw_uid}
first_valid_gid = {mail.pw_gid}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{self.root}/mail/%u
mail_fsync = never
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.root}/key.pem
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.root}/users
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
    ssl = yes
  }}
{"  chroot =" if chroot else ""}
}}
{chroot}"""
        )
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(conf)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=parent_death_signal(),
        )
        self._wait_until_it_answers()

    def _make_certificate(self) -> None:
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"),
                *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
                *("-addext", "subjectAltName=IP:127.0.0.1"),
                *("-keyout", str(self.root / "key.pem"), "-out", str(self.cert)),
            ],
            check=True,
            capture_output=True,
        )

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                self._fail(f"Dovecot exited at start ({output.strip()})")
            try:
                with self.connect():
                    return
            except OSError:
                time.sleep(0.1)
        self._fail("Dovecot did not accept an IMAP login within 15 s")

    def _fail(self, message: str) -> None:
        log = self.log.read_text(errors="replace") if self.log.exists() else ""
        self.stop()
        pytest.fail(f"{message}. Its log:\n{log}\nIf it is not installed: {INSTALL_HINT}", pytrace=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self) -> imaplib.IMAP4:
        """A logged-in session of the test user (for delivering and inspecting mail)."""
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        connection.login(USER, PASSWORD)
        return connection

    def empty(self) -> None:
        """Every folder but INBOX deleted, INBOX emptied: each test starts from an empty mailbox."""
        with self.connect() as imap:
            for line in imap.list()[1]:
                name = line.decode().rsplit(' "." ', 1)[1]
                if name != "INBOX":
                    imap.delete(name)
            _typ, data = imap.select("INBOX")
            if data[0] != b"0":
                imap.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                imap.expunge()

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """A message arrives (IMAP APPEND, as a delivery agent would put it there)."""
        with self.connect() as imap:
            typ, data = imap.append(folder, None, None, raw)
            assert typ == "OK", data

    def messages(self, folder: str = "INBOX") -> list[tuple[str, set[str]]]:
        """(Message-ID, flags) of each message in `folder`, in order; \\Recent (which session saw the
        message first) left out."""
        with self.connect() as imap:
            typ, data = imap.select(folder, readonly=True)
            assert typ == "OK", data
            if data[0] == b"0":
                return []
            _typ, data = imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        found = []
        for part in data:
            if isinstance(part, tuple):
                flags = imaplib.ParseFlags(part[0])
                message_id = part[1].decode().split(":", 1)[1].strip()
                found.append((message_id, {flag.decode() for flag in flags} - {r"\Recent"}))
        return found
