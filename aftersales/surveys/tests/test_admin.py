import pytest
from django.test import Client
from django.urls import reverse

from aftersales.surveys.services import survey_invite, survey_respond
from aftersales.surveys.tests.conftest import full_answers


@pytest.fixture
def admin_client_en(admin) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["surveytemplate", "surveyinvitation", "surveyresponse"])
def test_survey_pages_open_read_only(admin_client_en, resolved_ticket, transactional, model):
    # given an answered survey
    invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    response = survey_respond(token=token, answers=full_answers(transactional))
    pk = {
        "surveytemplate": transactional.pk,
        "surveyinvitation": invitation.pk,
        "surveyresponse": response.pk,
    }
    # when
    listing = admin_client_en.get(reverse(f"admin:surveys_{model}_changelist"))
    detail = admin_client_en.get(reverse(f"admin:surveys_{model}_change", args=[pk[model]]))
    adding = admin_client_en.get(reverse(f"admin:surveys_{model}_add"))
    # then
    assert (listing.status_code, detail.status_code, adding.status_code) == (200, 200, 403)
    assert invitation.token_digest not in detail.text
    assert 'type="submit" value="Save"' not in detail.text


def test_a_recovery_case_opens_read_only(admin_client_en, resolved_ticket, transactional):
    # given a low score, which opened a recovery case
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    case = survey_respond(token=token, answers=full_answers(transactional, csat=1)).recovery
    # when
    listing = admin_client_en.get(reverse("admin:surveys_recoverycase_changelist"))
    detail = admin_client_en.get(reverse("admin:surveys_recoverycase_change", args=[case.pk]))
    adding = admin_client_en.get(reverse("admin:surveys_recoverycase_add"))
    # then
    assert (listing.status_code, detail.status_code, adding.status_code) == (200, 200, 403)
    assert case.follow_up.number in listing.text
    assert 'type="submit" value="Save"' not in detail.text


def test_an_invitation_lists_its_links_without_their_digests(
    admin_client_en, resolved_ticket, transactional, cast
):
    # given a link shown as a QR code
    from aftersales.surveys.services import survey_link_issue

    invitation, _token = survey_invite(ticket=resolved_ticket, template=transactional)
    link, _link_token = survey_link_issue(ticket=resolved_ticket, by=cast.specialist_a, channel="qr")
    # when
    detail = admin_client_en.get(reverse("admin:surveys_surveyinvitation_change", args=[invitation.pk]))
    # then
    assert detail.status_code == 200
    assert "QR code" in detail.text
    assert str(cast.specialist_a) in detail.text
    assert link.token_digest not in detail.text
