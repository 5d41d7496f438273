"""Benchmark: email in. Target (issue 3): 1,000 varied messages through `aftersales mail ingest` in
under 30 s.

    .venv/bin/python bench/mail_ingest.py [--messages 1000] [--command-sample 1010] [--database sqlite postgres]

For each database: a fresh one (SQLite in a temporary directory; PostgreSQL `aftersales_bench_mail`
on the local server, dropped and recreated, or $BENCH_DATABASE_URL), migrated, with the test cast and
an SLA policy. Then

1. **service**: the messages go one after another through `mail_ingest(raw=...)`, the service the
   command calls, in one process (as a long-running MTA hand-off or `mail poll` does it);
2. **command**: a further sample of messages, each piped into its own `manage.py mail ingest` process
   (what `aftersales mail ingest` runs), so the per-process cost (interpreter, Django start-up, database
   connection) shows.

The messages are generated deterministically (`--seed`): plain text and HTML-only bodies in UTF-8,
GB2312, GBK and GB18030; RFC 2047 subjects and display names; 1–3 attachments of 3–200 KB (PNG, JPEG,
PDF) with Chinese file names (RFC 2231 or RFC 2047, as Chinese webmail writes them); replies threading
onto earlier requests by In-Reply-To or by the number in the subject; automatic replies and bounces.
Prints one JSON line per database with the figures."""

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench_mail"
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
SUBJECTS = [
    "空调不制冷",
    "洗衣机脱水时噪音很大",
    "热水器显示 E4 故障码",
    "冰箱冷藏室结冰",
    "油烟机不吸烟了",
    "Dishwasher leaves white residue",
    "车辆仪表盘发动机故障灯亮",
    "上门安装预约",
    "保修期内屏幕出现竖线",
    "Request: replacement remote control",
]
BODIES = [
    "您好，{subject}，已经持续两天了，麻烦尽快安排师傅上门检查。\n我的电话是 138{phone}。\n谢谢！",
    "Hello, {subject}. It started last week. Serial number SN-{phone}.\nBest regards",
    "客服您好：\n\n{subject}。按照说明书重启过，没有用。\n请问是否在保修期内？\n\n此致\n敬礼",
]
REPLIES = [
    "补充一下：今天早上又出现了一次。",
    "师傅明天下午两点以后都可以来。",
    "照片见附件，谢谢。",
    "好的，收到，谢谢！",
]
CHARSETS = ["utf-8", "utf-8", "gb2312", "gbk", "gb18030"]
FILE_KINDS = [
    ("image", "png", b"\x89PNG\r\n\x1a\n", "照片"),
    ("image", "jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "故障图片"),
    ("application", "pdf", b"%PDF-1.4\n", "购买发票"),
]
START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{b64encode(text.encode(charset)).decode()}?="


class Generator:
    """Deterministic varied mail: new requests (some with attachments), replies, automatic mail."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0
        self.threads: list[tuple[str, str, str, int]] = []  # (sender, message id, subject, replies so far)

    def messages(self, total: int) -> list[bytes]:
        return [self.next() for _ in range(total)]

    def next(self) -> bytes:
        self.count += 1
        roll = self.rng.random()
        open_threads = [thread for thread in self.threads if thread[3] < 2]
        if roll < 0.25 and open_threads:
            return self.reply(self.rng.choice(open_threads))
        if roll < 0.30:
            return self.auto_reply()
        if roll < 0.35:
            return self.bounce()
        return self.new_request(html=roll > 0.80, attachments=0.55 < roll <= 0.80)

    def _headers(self, msg, *, sender_name: str, sender: str, subject: str, charset: str) -> str:
        message_id = f"<bench-{self.count}@mail.example.cn>"
        msg["From"] = f"{encoded_word(sender_name, charset)} <{sender}>"
        msg["To"] = "service@aftersales.example"
        msg["Subject"] = encoded_word(subject, charset) if charset != "utf-8" else subject
        msg["Message-ID"] = message_id
        msg["Date"] = format_datetime(START + timedelta(seconds=7 * self.count))
        return message_id

    def new_request(self, *, html: bool, attachments: bool) -> bytes:
        rng = self.rng
        charset = rng.choice(CHARSETS)
        name = rng.choice(SURNAMES) + rng.choice(["先生", "女士", "师傅", "小姐"])
        sender = f"customer{self.count}@{rng.choice(['qq.com', '163.com', 'example.cn', 'foxmail.com'])}"
        subject = rng.choice(SUBJECTS)
        body = rng.choice(BODIES).format(subject=subject, phone=rng.randrange(10**7, 10**8))
        msg = EmailMessage()
        message_id = self._headers(msg, sender_name=name, sender=sender, subject=subject, charset=charset)
        if html:
            paragraphs = "".join(f"<p>{line}</p>" for line in body.splitlines() if line)
            markup = f"<html><head><style>p{{color:red}}</style><script>alert(1)</script></head><body>{paragraphs}</body></html>"
            msg.set_content(markup.encode(charset), maintype="text", subtype="html", cte="base64")
            msg.replace_header("Content-Type", f"text/html; charset={charset}")
        else:
            msg.set_content(body.encode(charset), maintype="text", subtype="plain", cte="base64")
            msg.replace_header("Content-Type", f"text/plain; charset={charset}")
        if attachments:
            for index in range(rng.randint(1, 3)):
                maintype, subtype, magic, stem = rng.choice(FILE_KINDS)
                size = rng.randint(3_000, 200_000)
                extension = "jpg" if subtype == "jpeg" else subtype
                filename = f"{stem}{index + 1}.{extension}"
                content = magic + rng.randbytes(size - len(magic))
                msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
                if charset != "utf-8":  # as Chinese webmail writes it: an RFC 2047 word, not RFC 2231
                    part = msg.get_payload()[-1]
                    word = encoded_word(filename, charset)
                    part.replace_header("Content-Disposition", f'attachment; filename="{word}"')
        self.threads.append((sender, message_id, subject, 0))
        return msg.as_bytes()

    def reply(self, thread: tuple[str, str, str, int]) -> bytes:
        sender, parent_id, subject, replies = thread
        self.threads[self.threads.index(thread)] = (sender, parent_id, subject, replies + 1)
        msg = EmailMessage()
        self._headers(msg, sender_name="客户", sender=sender, subject=f"Re: {subject}", charset="utf-8")
        msg["In-Reply-To"] = parent_id
        msg["References"] = parent_id
        text = (
            self.rng.choice(REPLIES)
            + "\n\n在 2026年11月30日 09:00，售后服务 写道：\n> 您好，已收到您的请求。"
        )
        msg.set_content(text)
        return msg.as_bytes()

    def auto_reply(self) -> bytes:
        rng = self.rng
        msg = EmailMessage()
        variant = rng.randrange(3)
        subject = ["自动回复：您的服务请求", "Out of Office: 售后服务", "Automatic reply"][variant]
        self._headers(
            msg, sender_name="休假中", sender=f"away{self.count}@example.cn", subject=subject, charset="utf-8"
        )
        if variant == 0:
            msg["Auto-Submitted"] = "auto-replied"
        elif variant == 1:
            msg["X-Autoreply"] = "yes"
        msg.set_content("我正在休假，12月5日回来。")
        return msg.as_bytes()

    def bounce(self) -> bytes:
        """A delivery status report (RFC 3464) from the mail system."""
        boundary = f"bounce-{self.count}"
        return (
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.cn>\r\n"
            "To: service@aftersales.example\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: <bench-{self.count}@mx.example.cn>\r\n"
            f"Date: {format_datetime(START + timedelta(seconds=7 * self.count))}\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
            f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.cn\r\n\r\nFinal-Recipient: rfc822; nobody@example.cn\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n"
            f"--{boundary}--\r\n"
        ).encode("ascii")


def database_env(database: str, workdir: Path) -> dict:
    url = f"sqlite:///{workdir / 'bench.sqlite3'}" if database == "sqlite" else POSTGRES_URL
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
    }


def prepare(database: str, env: dict) -> None:
    if database == "postgres":
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)


def database_cpu() -> float | None:
    """CPU seconds so far of the PostgreSQL backend serving this connection (it runs on this machine)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


PIPED = 10  # files run one process each


def run_service(args) -> None:
    """In the child process (Django set up from the environment): ingest and time, write the sample."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from collections import Counter

    from aftersales.core import testing
    from aftersales.service.mail.ingest import mail_ingest
    from aftersales.service.models import SlaPolicy

    testing.make_cast()
    SlaPolicy.objects.create(name="default", response_minutes=1440, resolution_minutes=4320)
    generator = Generator(args.seed)
    messages = generator.messages(args.messages)
    sample = generator.messages(args.command_sample)
    for index, raw in enumerate(sample):
        (Path(args.sample_dir) / f"{index:04d}.eml").write_bytes(raw)
    outcomes: Counter = Counter()
    durations = []
    database_cpu_started = database_cpu()
    started, cpu_started = time.perf_counter(), time.process_time()
    for raw in messages:
        before = time.perf_counter()
        outcomes[mail_ingest(raw=raw).outcome] += 1
        durations.append(time.perf_counter() - before)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    database_cpu_spent = database_cpu()
    if database_cpu_spent is not None:
        database_cpu_spent -= database_cpu_started
    durations.sort()
    print(
        json.dumps(
            {
                "messages": len(messages),
                "megabytes": round(sum(map(len, messages)) / 1e6, 1),
                "seconds": round(total, 2),
                # CPU time of this process: about the wall time on an otherwise idle core (the
                # machine may be shared); PostgreSQL's own work is not in it.
                "cpu_seconds": round(cpu, 2),
                # PostgreSQL: CPU time of the server process serving this connection.
                "database_cpu_seconds": None if database_cpu_spent is None else round(database_cpu_spent, 2),
                "per_second": round(len(messages) / total, 1),
                "p50_ms": round(statistics.median(durations) * 1000, 1),
                "p95_ms": round(durations[int(len(durations) * 0.95)] * 1000, 1),
                "outcomes": dict(sorted(outcomes.items())),
            }
        )
    )


def run_command(sample_dir: Path, env: dict) -> dict:
    """The console command as an MTA runs it, one process per message (the first ten files: Python and
    Django start-up dominate), then as a backlog is loaded, `mail ingest FILE...` with the other files
    in one process."""
    files = sorted(sample_dir.glob("*.eml"))
    piped, batch = files[:PIPED], files[PIPED:]
    outcomes: dict = {}
    durations = []
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for path in piped:
        before = time.perf_counter()
        with path.open("rb") as stdin:
            done = subprocess.run(
                [sys.executable, "manage.py", "mail", "ingest"],
                cwd=ROOT,
                env=env,
                stdin=stdin,
                capture_output=True,
                text=True,
                check=True,
            )
        durations.append(time.perf_counter() - before)
        outcome = done.stdout.split()[0]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    mean = statistics.mean(durations)
    result = {
        "messages": len(piped),
        "mean_ms_per_process": round(mean * 1000),
        "cpu_ms_per_process": round(cpu / len(piped) * 1000),
        "seconds_for_1000_one_by_one": round(mean * 1000, 1),
        "outcomes": dict(sorted(outcomes.items())),
    }
    if batch:
        before = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "mail", "ingest", *map(str, batch)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - before
        batch_outcomes: dict = {}
        for line in done.stdout.splitlines():
            outcome = line.split(": ", 1)[1].split()[0]
            batch_outcomes[outcome] = batch_outcomes.get(outcome, 0) + 1
        result["one_process_for_the_rest"] = {
            "messages": len(batch),
            "seconds": round(seconds, 2),
            "outcomes": dict(sorted(batch_outcomes.items())),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--command-sample", type=int, default=1010)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--service-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sample-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.service_child:
        run_service(args)
        return
    for database in args.database:
        with tempfile.TemporaryDirectory(prefix="aftersales-bench-mail-") as tmp:
            workdir = Path(tmp)
            (workdir / "sample").mkdir()
            env = database_env(database, workdir)
            prepare(database, env)
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--service-child",
                    f"--messages={args.messages}",
                    f"--command-sample={args.command_sample}",
                    f"--seed={args.seed}",
                    f"--sample-dir={workdir / 'sample'}",
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            service = json.loads(child.stdout.strip().splitlines()[-1])
            command = run_command(workdir / "sample", env)
        print(
            json.dumps(
                {
                    "benchmark": "mail_ingest",
                    "database": database,
                    "machine": f"{platform.machine()} {os.cpu_count()} cores",
                    "service": service,
                    "command": command,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
