"""Parsing and classifying raw inbound mail, without the database: real messages built with the
stdlib `email` package, sent through `parse_mail` as bytes."""

import base64
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from aftersales.service.mail import parse


def plain(
    body="洗衣机不转了", *, sender="孙先生 <sun@example.com>", subject="洗衣机故障", **headers
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "service@acme.example"
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop("message_id", "<m1@example.com>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_plain_utf8_message():
    mail = parse.parse_mail(plain())
    assert mail.kind == parse.NORMAL
    assert mail.message_id == "<m1@example.com>"
    assert mail.from_address == "sun@example.com"
    assert mail.from_name == "孙先生"
    assert mail.subject == "洗衣机故障"  # the stdlib wrote it as an RFC 2047 UTF-8 encoded word
    assert mail.body == "洗衣机不转了"


@pytest.mark.parametrize("charset", ["gb2312", "gbk", "gb18030"])
def test_chinese_charsets_decode(charset):
    msg = MIMEText("您好，洗衣机不转了。", "plain", charset)
    msg["From"] = "sun@example.com"
    msg["Subject"] = Header("洗衣机故障", charset).encode()
    mail = parse.parse_mail(msg.as_bytes())
    assert mail.body == "您好，洗衣机不转了。"
    assert mail.subject == "洗衣机故障"


def test_gbk_text_labelled_gb2312_still_decodes():
    """Mailers label GBK text gb2312; 喆 is in GBK, not in GB2312."""
    body = base64.b64encode("王喆的冰箱不制冷".encode("gbk")).decode()
    raw = (
        "From: wang@example.com\r\nSubject: =?gb2312?B?"
        + base64.b64encode("冰箱".encode("gb2312")).decode()
        + "?=\r\nContent-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + body
        + "\r\n"
    ).encode("ascii")
    mail = parse.parse_mail(raw)
    assert mail.body == "王喆的冰箱不制冷"
    assert mail.subject == "冰箱"


def test_undecodable_body_is_an_error():
    raw = b"From: x@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xff\xfe\xfa broken\r\n"
    with pytest.raises(parse.MailParseError, match="decode"):
        parse.parse_mail(raw)


def test_unknown_charset_is_an_error():
    raw = b"From: x@example.com\r\nContent-Type: text/plain; charset=x-nonsense\r\n\r\nhello\r\n"
    with pytest.raises(parse.MailParseError, match="charset"):
        parse.parse_mail(raw)


def test_no_from_is_an_error():
    with pytest.raises(parse.MailParseError, match="From"):
        parse.parse_mail(b"Subject: hi\r\n\r\nbody\r\n")


def test_html_only_body_is_sanitised_to_text():
    msg = EmailMessage()
    msg["From"] = "sun@example.com"
    msg.set_content(
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p>空调&nbsp;漏水</p><div>型号 <b>KFR-35</b></div>第三行<br>a &lt; b</body></html>",
        subtype="html",
    )
    mail = parse.parse_mail(msg.as_bytes())
    assert mail.body == "空调 漏水\n型号 KFR-35\n第三行\na < b"
    assert "alert" not in mail.body and "color" not in mail.body


def test_plain_part_preferred_over_html_and_attachments_kept():
    outer = MIMEMultipart("mixed")
    outer["From"] = "sun@example.com"
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("纯文本", "plain", "utf-8"))
    alternative.attach(MIMEText("<p>HTML</p>", "html", "utf-8"))
    outer.attach(alternative)
    photo = EmailMessage()
    photo.set_content(b"\x89PNG\r\n\x1a\nrest", maintype="image", subtype="png", filename="照片.png")
    outer.attach(photo)
    mail = parse.parse_mail(outer.as_bytes())
    assert mail.body == "纯文本"
    assert [(a.filename, a.content) for a in mail.attachments] == [("照片.png", b"\x89PNG\r\n\x1a\nrest")]


def test_rfc2047_encoded_attachment_name():
    """Chinese mailers often put an RFC 2047 encoded word (not RFC 2231) into filename=."""
    encoded = Header("发票.pdf", "gb2312").encode()
    raw = (
        'From: sun@example.com\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee file\r\n"
        f'--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="{encoded}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4 x").decode()
        + "\r\n--B--\r\n"
    ).encode("ascii")
    mail = parse.parse_mail(raw)
    assert mail.attachments[0].filename == "发票.pdf"
    assert mail.attachments[0].content == b"%PDF-1.4 x"


def test_threading_headers_and_ticket_number():
    mail = parse.parse_mail(
        plain(In_Reply_To="<b@x>", References="<a@x> <b@x>", subject="Re: [SR2611-000123] 洗衣机故障")
    )
    assert mail.in_reply_to == ["<b@x>"]
    assert mail.thread_ids[0] == "<b@x>"
    assert parse.ticket_number_in(mail.subject) == "SR2611-000123"
    assert parse.ticket_number_in("no number") is None


def test_missing_message_id_gets_a_stable_one():
    raw = b"From: x@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
    assert parse.parse_mail(raw).message_id == parse.parse_mail(raw).message_id == parse.raw_message_id(raw)


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"Auto_Submitted": "auto-replied"}, parse.AUTO_REPLY),
        ({"Auto_Submitted": "auto-generated; owner-email=x@y"}, parse.AUTO_REPLY),
        ({"Auto_Submitted": "no"}, parse.NORMAL),
        ({"X_Autoreply": "yes"}, parse.AUTO_REPLY),
        ({"X_Autorespond": "Out of office"}, parse.AUTO_REPLY),
        ({"Precedence": "bulk"}, parse.AUTO_REPLY),
        ({"Precedence": "auto_reply"}, parse.AUTO_REPLY),
        ({"Precedence": "junk"}, parse.AUTO_REPLY),
        ({"Precedence": "list"}, parse.AUTO_REPLY),
        ({"Precedence": "first-class"}, parse.NORMAL),
        ({"Return_Path": "<>"}, parse.BOUNCE),
        ({"sender": "MAILER-DAEMON@mx.example.com"}, parse.BOUNCE),
        ({"X_Aftersales_Ticket": "SR2611-000123"}, parse.LOOP),
    ],
)
def test_classification(headers, kind):
    mail = parse.parse_mail(plain(**headers))
    assert mail.kind == kind
    assert (mail.reason == "") == (kind == parse.NORMAL)


BOUNCE = (
    "From: Mail Delivery System <postbox@mx.example.com>\r\n"
    "Message-ID: <dsn-1@mx.example.com>\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
    "--R\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDelivery failed\r\n"
    "--R\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; gone@example.com\r\n"
    "Action: failed\r\nStatus: 5.1.1\r\n--R--\r\n"
).encode("ascii")


def test_delivery_status_report_is_a_bounce():
    mail = parse.parse_mail(BOUNCE)
    assert mail.kind == parse.BOUNCE
    assert "3464" in mail.reason


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ({"List_Id": "<news.shop.example>"}, "本周特价"),
        ({"List_Unsubscribe": "<mailto:unsub@shop.example>"}, "本周特价"),
        ({}, "自动回复：洗衣机故障"),
        ({}, "Automatic reply: 洗衣机故障"),
        ({}, "Out of Office: back Monday"),
    ],
)
def test_mailing_lists_and_auto_reply_subjects_are_automatic(headers, subject):
    assert parse.parse_mail(plain(subject=subject, **headers)).kind == parse.AUTO_REPLY


def test_an_ordinary_subject_about_a_car_is_not_automatic():
    assert parse.parse_mail(plain(subject="Auto: 刹车异响")).kind == parse.NORMAL


@pytest.mark.parametrize(
    "reply",
    [
        "照片已上传\n\nOn Mon, 2 Mar 2026 at 10:00, Acme 售后 <service@acme.example> wrote:\n> 请提供照片",
        "照片已上传\n\nOn Mon, 2 Mar 2026 at 10:00, Acme 售后 <\nservice@acme.example> wrote:\n> 请提供照片",
        "照片已上传\n\n在 2026年3月2日 10:00，Acme 售后 写道：\n> 请提供照片",
        "照片已上传\n\n------------------ 原始邮件 ------------------\n发件人: Acme 售后\n请提供照片",
        "照片已上传\n\n-----Original Message-----\nFrom: service@acme.example\n请提供照片",
        "照片已上传\n\n发件人: Acme 售后 <service@acme.example>\n发送时间: 2026年3月2日 10:00\n请提供照片",
        "照片已上传\n> 请提供照片",
    ],
)
def test_a_reply_loses_the_quoted_original(reply):
    assert parse.strip_quoted(reply) == "照片已上传"


def test_a_message_that_is_only_a_quote_is_kept_whole():
    assert parse.strip_quoted("> 请提供照片\n> 谢谢") == "> 请提供照片\n> 谢谢"


def test_a_from_line_in_the_customers_own_words_is_kept():
    text = "From: 上海浦东店 the car was towed\n还是不能启动"
    assert parse.strip_quoted(text) == text
