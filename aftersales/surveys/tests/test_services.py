import hashlib
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftersales.core.errors import ApplicationError
from aftersales.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyTemplate
from aftersales.surveys.services import (
    SurveyGone,
    SurveyNotFound,
    survey_invitations_dispatch,
    survey_invite,
    survey_respond,
    survey_template_revise,
)
from aftersales.surveys.tests.conftest import full_answers, items_by_kind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_migration_creates_the_transactional_template(transactional):
    # when
    items = list(transactional.items.order_by("order").values_list("kind", "wording_en", "required"))
    # then
    assert transactional.version == 1
    assert items == [
        ("csat", "How satisfied were you with this service?", True),
        ("nps", "How likely are you to recommend us to a friend or relative?", True),
        ("ces", "The company made it easy to handle my request.", True),
        ("text", "Is there anything else you would like to tell us?", False),
    ]
    assert transactional.items.get(kind="csat").wording_zh == "对本次服务满意吗？"


def test_invite_stores_the_digest_of_a_256_bit_token_never_the_token(resolved_ticket, transactional):
    # when
    invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    # then: token_urlsafe(32) is 32 random bytes, 43 URL-safe characters
    assert len(token) == 43
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    invitation.refresh_from_db()
    assert invitation.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert not SurveyInvitation.objects.filter(token_digest=token).exists()
    assert invitation.sent_at == datetime(2026, 3, 2, 14, 0, tzinfo=SHANGHAI)
    assert invitation.expires_at == datetime(2026, 3, 30, 14, 0, tzinfo=SHANGHAI)
    assert invitation.answered_at is None


def test_two_invitations_get_different_tokens(resolved_ticket, transactional, cast):
    # given a second request of the same customer
    from aftersales.service.services.tickets import ticket_register

    other = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="二次"
    )
    # when
    _first, token_1 = survey_invite(ticket=resolved_ticket, template=transactional)
    _second, token_2 = survey_invite(ticket=other, template=transactional)
    # then
    assert token_1 != token_2


def test_invite_is_idempotent_and_mails_once(
    resolved_ticket, transactional, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    mailoutbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first, token = survey_invite(ticket=resolved_ticket, template=transactional)
    with django_capture_on_commit_callbacks(execute=True):
        again, no_token = survey_invite(ticket=resolved_ticket, template=transactional)
    # then
    assert again.pk == first.pk
    assert no_token == ""
    assert SurveyInvitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_the_invitation_mail_goes_after_commit_to_the_customer_with_the_link(
    resolved_ticket, transactional, cast, django_capture_on_commit_callbacks, mailoutbox, settings
):
    # given
    settings.SITE_URL = "https://service.example.com"
    mailoutbox.clear()
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    # then nothing before the commit
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [cast.customer_a.email]
    assert resolved_ticket.number in mail.subject
    assert f"https://service.example.com/s/{token}/" in mail.body
    # in the product's language, whatever the caller's
    assert mail.subject == f"[{resolved_ticket.number}] 请为本次服务打分，只需两分钟"
    assert "有效期至 2026-03-30" in mail.body


def test_the_mail_gives_the_expiry_date_of_shanghai(
    resolved_ticket, transactional, django_capture_on_commit_callbacks, mailoutbox, frozen_clock
):
    # given the invitation goes out at 17:30 on 2 March UTC, as the server's clock gives it: 01:30 on
    # 3 March in Shanghai
    frozen_clock(datetime(2026, 3, 2, 17, 30, tzinfo=UTC))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _token = survey_invite(ticket=resolved_ticket, template=transactional)
    # then it expires 28 days later, on 31 March at 01:30 there (30 March in UTC): the mail says the 31st
    assert invitation.expires_at == datetime(2026, 3, 31, 1, 30, tzinfo=SHANGHAI)
    assert "有效期至 2026-03-31" in mailoutbox[0].body


def test_a_rolled_back_invitation_mails_nobody(
    resolved_ticket, transactional, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    from django.db import transaction

    mailoutbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            survey_invite(ticket=resolved_ticket, template=transactional)
            raise RuntimeError("roll back")
    # then
    assert mailoutbox == []
    assert SurveyInvitation.objects.count() == 0


def test_respond_records_the_answers_once(resolved_ticket, transactional, frozen_clock):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    frozen_clock(datetime(2026, 3, 3, 9, 0))
    # when
    response = survey_respond(token=token, answers=full_answers(transactional))
    # then
    kinds = items_by_kind(transactional)
    stored = {a.item_id: (a.number, a.text) for a in response.answers.all()}
    assert stored == {
        kinds["csat"].pk: (4, ""),
        kinds["nps"].pk: (9, ""),
        kinds["ces"].pk: (6, ""),
        kinds["text"].pk: (None, "师傅很专业"),
    }
    invitation = SurveyInvitation.objects.get()
    assert invitation.answered_at == datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    assert response.language == "en"


def test_a_second_response_is_refused_and_records_nothing(resolved_ticket, transactional):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    survey_respond(token=token, answers=full_answers(transactional))
    # when
    with pytest.raises(SurveyGone) as error:
        survey_respond(token=token, answers=full_answers(transactional, csat=1))
    # then
    assert error.value.message == "This survey has already been answered. Thank you!"
    assert error.value.status_code == 410
    assert SurveyResponse.objects.count() == 1
    assert list(SurveyAnswer.objects.filter(item__kind="csat").values_list("number", flat=True)) == [4]


def test_an_expired_link_is_refused(resolved_ticket, transactional, frozen_clock):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    # when 28 days later
    frozen_clock.advance(days=28)
    with pytest.raises(SurveyGone) as error:
        survey_respond(token=token, answers=full_answers(transactional))
    # then
    assert error.value.message == "This survey link has expired."
    assert SurveyResponse.objects.count() == 0


def test_one_second_before_expiry_the_link_still_works(resolved_ticket, transactional, frozen_clock):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    # when
    frozen_clock.advance(days=28, seconds=-1)
    survey_respond(token=token, answers=full_answers(transactional))
    # then
    assert SurveyResponse.objects.count() == 1


def test_an_unknown_token_is_refused(resolved_ticket, transactional):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    # when
    with pytest.raises(SurveyNotFound) as error:
        survey_respond(token=token[:-1] + ("A" if token[-1] != "A" else "B"), answers={})
    # then
    assert error.value.status_code == 404
    assert error.value.message == "This survey link is not valid. Check that you copied the whole link."


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("csat", 0, "“How satisfied were you with this service?”: choose a value from 1 to 5."),
        ("csat", 6, "“How satisfied were you with this service?”: choose a value from 1 to 5."),
        (
            "nps",
            11,
            "“How likely are you to recommend us to a friend or relative?”: choose a value from 0 to 10.",
        ),
        (
            "nps",
            -1,
            "“How likely are you to recommend us to a friend or relative?”: choose a value from 0 to 10.",
        ),
        ("ces", 8, "“The company made it easy to handle my request.”: choose a value from 1 to 7."),
        ("ces", "seven", "“The company made it easy to handle my request.”: choose a value from 1 to 7."),
    ],
)
def test_an_out_of_range_score_is_rejected_naming_the_item(
    resolved_ticket, transactional, kind, value, message
):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    # when
    with pytest.raises(ApplicationError) as error:
        survey_respond(token=token, answers=full_answers(transactional, **{kind: value}))
    # then
    item = items_by_kind(transactional)[kind]
    assert error.value.message == message
    assert error.value.field == f"item-{item.pk}"
    assert error.value.extra["errors"] == {f"item-{item.pk}": message}
    assert SurveyResponse.objects.count() == 0
    assert SurveyInvitation.objects.get().answered_at is None


def test_nps_accepts_both_ends_of_its_scale(resolved_ticket, transactional):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    # when
    response = survey_respond(token=token, answers=full_answers(transactional, nps=0))
    # then
    assert response.answers.get(item__kind="nps").number == 0


def test_required_items_are_named_and_the_comment_is_optional(resolved_ticket, transactional):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    kinds = items_by_kind(transactional)
    # when CSAT and CES are left empty and there is no comment
    with pytest.raises(ApplicationError) as error:
        survey_respond(token=token, answers={kinds["csat"].pk: "", kinds["nps"].pk: "8"})
    # then
    assert error.value.extra["errors"] == {
        f"item-{kinds['csat'].pk}": "“How satisfied were you with this service?” needs an answer.",
        f"item-{kinds['ces'].pk}": "“The company made it easy to handle my request.” needs an answer.",
    }
    assert SurveyResponse.objects.count() == 0


def test_the_comment_may_be_left_out(resolved_ticket, transactional):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    kinds = items_by_kind(transactional)
    # when
    response = survey_respond(
        token=token, answers={kinds["csat"].pk: "5", kinds["nps"].pk: "10", kinds["ces"].pk: "7"}
    )
    # then
    assert sorted(response.answers.values_list("number", flat=True)) == [5, 7, 10]


# --- dispatch -----------------------------------------------------------------------------------------


def test_dispatch_waits_for_the_delay_after_resolution(resolved_ticket, transactional):
    # given resolved at 14:00; the default delay is 2 hours
    # when
    result = survey_invitations_dispatch(now=datetime(2026, 3, 2, 15, 59, tzinfo=SHANGHAI))
    # then
    assert result == {"invited": 0}
    assert SurveyInvitation.objects.count() == 0


def test_dispatch_invites_a_resolved_request_once(
    resolved_ticket, transactional, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    mailoutbox.clear()
    at = datetime(2026, 3, 2, 16, 0, tzinfo=SHANGHAI)
    # when run twice
    with django_capture_on_commit_callbacks(execute=True):
        first = survey_invitations_dispatch(now=at)
    with django_capture_on_commit_callbacks(execute=True):
        second = survey_invitations_dispatch(now=at + timedelta(minutes=10))
    # then
    assert first == {"invited": 1}
    assert second == {"invited": 0}
    invitation = SurveyInvitation.objects.get()
    assert (invitation.ticket_id, invitation.template_id) == (resolved_ticket.pk, transactional.pk)
    assert [m.to for m in mailoutbox] == [[resolved_ticket.customer.email]]


def test_dispatch_follows_the_delay_setting(resolved_ticket, transactional, settings):
    # given
    settings.AFTERSALES_SURVEY_DELAY_HOURS = 24
    # when
    early = survey_invitations_dispatch(now=datetime(2026, 3, 3, 13, 59, tzinfo=SHANGHAI))
    due = survey_invitations_dispatch(now=datetime(2026, 3, 3, 14, 0, tzinfo=SHANGHAI))
    # then
    assert (early, due) == ({"invited": 0}, {"invited": 1})


def test_dispatch_skips_a_request_reopened_since(resolved_ticket, transactional, cast, frozen_clock):
    # given
    from aftersales.service.services.tickets import ticket_reopen

    frozen_clock(datetime(2026, 3, 2, 15, 0))
    ticket_reopen(ticket=resolved_ticket, by=cast.customer_a.user, reason="又坏了")
    # when
    result = survey_invitations_dispatch(now=datetime(2026, 3, 2, 18, 0, tzinfo=SHANGHAI))
    # then
    assert result == {"invited": 0}


def test_dispatch_ignores_requests_resolved_before_the_lookback(resolved_ticket, transactional):
    # when the worker first runs 8 days after the resolution
    result = survey_invitations_dispatch(now=datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI))
    # then
    assert result == {"invited": 0}


def test_dispatch_skips_a_customer_without_email(resolved_ticket, transactional, cast):
    # given
    cast.customer_a.email = ""
    cast.customer_a.save(update_fields=["email"])
    # when
    result = survey_invitations_dispatch(now=datetime(2026, 3, 2, 16, 0, tzinfo=SHANGHAI))
    # then
    assert result == {"invited": 0}


def test_the_dispatch_task_is_scheduled():
    # given
    from aftersales.core.schedule import JOBS

    # when
    jobs = {job.name: job.task_path for job in JOBS}
    # then
    assert jobs["survey-dispatch"] == "aftersales.surveys.tasks.survey_dispatch_task"


def test_the_dispatch_task_runs_the_dispatch(resolved_ticket, transactional, frozen_clock):
    # given
    from aftersales.surveys.tasks import survey_dispatch_task

    frozen_clock(datetime(2026, 3, 2, 16, 30))
    # when
    result = survey_dispatch_task.enqueue()
    # then
    assert result.return_value == {"invited": 1, "reminded": 0}
    assert SurveyInvitation.objects.count() == 1


# --- versions -----------------------------------------------------------------------------------------


def revised_items() -> list[dict]:
    return [
        {
            "kind": "csat",
            "wording_zh": "您对服务满意吗？",
            "wording_en": "Were you satisfied with the service?",
        },
        {
            "kind": "single",
            "wording_zh": "您是如何联系我们的？",
            "wording_en": "How did you contact us?",
            "choices": [
                {"value": "phone", "zh": "电话", "en": "Phone"},
                {"value": "store", "zh": "到店", "en": "In store"},
            ],
        },
    ]


def test_revising_a_template_makes_the_next_version_active(transactional):
    # when
    revised = survey_template_revise(template=transactional, items=revised_items())
    # then
    transactional.refresh_from_db()
    assert (transactional.version, transactional.active) == (1, False)
    assert (revised.code, revised.version, revised.active, revised.name) == (
        "transactional",
        2,
        True,
        "服务满意度回访",
    )
    assert list(revised.items.values_list("order", "kind")) == [(1, "csat"), (2, "single")]
    assert transactional.items.count() == 4


def test_an_invitation_keeps_the_version_it_was_sent_with(resolved_ticket, transactional):
    # given an invitation to version 1, then a new version
    invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    survey_template_revise(template=transactional, items=revised_items())
    # when answered against version 1
    response = survey_respond(token=token, answers=full_answers(transactional))
    # then
    assert response.invitation.template_id == transactional.pk
    assert set(response.answers.values_list("item__template__version", flat=True)) == {1}


def test_dispatch_invites_with_the_active_version(resolved_ticket, transactional):
    # given
    revised = survey_template_revise(template=transactional, items=revised_items())
    # when
    survey_invitations_dispatch(now=datetime(2026, 3, 2, 16, 0, tzinfo=SHANGHAI))
    # then
    assert SurveyInvitation.objects.get().template_id == revised.pk


def test_a_choice_answer_must_be_one_of_the_choices(resolved_ticket, transactional):
    # given
    revised = survey_template_revise(template=transactional, items=revised_items())
    _invitation, token = survey_invite(ticket=resolved_ticket, template=revised)
    csat, channel = revised.items.order_by("order")
    # when
    with pytest.raises(ApplicationError) as error:
        survey_respond(token=token, answers={csat.pk: 5, channel.pk: "email"})
    response = survey_respond(token=token, answers={csat.pk: 5, channel.pk: "phone"})
    # then
    assert error.value.message == "“How did you contact us?”: choose one of the options offered."
    assert response.answers.get(item=channel).choices == ["phone"]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "A survey needs at least one item."),
        ([{"kind": "stars", "wording_zh": "星", "wording_en": "Stars"}], "Item 1: unknown kind 'stars'."),
        (
            [{"kind": "csat", "wording_zh": "满意吗", "wording_en": ""}],
            "Item 1: give the wording in Chinese and in English.",
        ),
        (
            [{"kind": "single", "wording_zh": "选", "wording_en": "Pick", "choices": [{"value": "a"}]}],
            "Item 1: a choice item needs at least two choices, each with a value.",
        ),
    ],
)
def test_a_revision_with_bad_items_is_refused_and_changes_nothing(transactional, items, message):
    # when
    with pytest.raises(ApplicationError) as error:
        survey_template_revise(template=transactional, items=items)
    # then
    assert error.value.message == message
    assert list(SurveyTemplate.objects.filter(code="transactional").values_list("version", "active")) == [
        (1, True)
    ]


def test_one_failing_invitation_does_not_stop_the_others(
    resolved_ticket, transactional, cast, frozen_clock, monkeypatch
):
    # given a second resolved request, and mail that fails for the first one
    from aftersales.service.services.tickets import ticket_register, ticket_resolve
    from aftersales.surveys import services

    frozen_clock(datetime(2026, 3, 2, 10, 0))
    other = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="二次"
    )
    ticket_resolve(ticket=other, by=cast.specialist_a, outcome="advice")
    real_mail = services._invitation_mail

    def mail(*, ticket, **kwargs):
        if ticket.pk == resolved_ticket.pk:
            raise RuntimeError("mail server down")
        real_mail(ticket=ticket, **kwargs)

    monkeypatch.setattr(services, "_invitation_mail", mail)
    # when
    result = survey_invitations_dispatch(now=datetime(2026, 3, 2, 16, 0, tzinfo=SHANGHAI))
    # then the failed one left no invitation, so the next run tries it again
    assert result == {"invited": 1, "failed": 1}
    assert list(SurveyInvitation.objects.values_list("ticket_id", flat=True)) == [other.pk]
