"""The one error body, the OpenAPI schema and the Swagger UI."""

import pytest
from django.test import Client

from aftersales.api.testing import API, api_client, get, post


def test_invalid_input_is_422_with_the_field_path(specialist_a, customer_a):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/requests", {"customer": customer_a.pk})

    # then
    assert response.status_code == 422
    assert response.json() == {
        "message": "Invalid input",
        "extra": {"errors": [{"field": "body.subject", "message": "Field required"}]},
    }


def test_invalid_query_parameter_is_422(specialist_a):
    # given
    client = api_client(specialist_a)

    # when
    response = get(client, "/requests", page_size=101)

    # then
    assert response.status_code == 422
    assert response.json() == {
        "message": "Invalid input",
        "extra": {
            "errors": [{"field": "query.page_size", "message": "Input should be less than or equal to 100"}]
        },
    }


def test_unknown_object_is_404_with_the_error_body(specialist_a):
    # given
    client = api_client(specialist_a)

    # when
    response = get(client, "/requests/SR0000-999999")

    # then
    assert response.status_code == 404
    assert response.json() == {"message": "Not found", "extra": {}}


@pytest.mark.parametrize("debug", [False, True])
def test_server_error_is_500_without_traceback(specialist_a, monkeypatch, settings, debug):
    # given
    settings.DEBUG = debug
    client = api_client(specialist_a)

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("aftersales.service.selectors.ticket_list", broken)

    # when
    response = get(client, "/requests")

    # then
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error", "extra": {}}
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


def test_openapi_schema_lists_the_paths(db):
    # when
    response = Client().get(f"{API}/openapi.json")

    # then
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "aftersales API"
    paths = set(schema["paths"])
    assert {
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/{customer_id}/assets",
        "/api/v1/assets/{asset_id}",
        "/api/v1/requests",
        "/api/v1/requests/{number}",
        "/api/v1/requests/{number}/assign",
        "/api/v1/requests/{number}/start",
        "/api/v1/requests/{number}/reply",
        "/api/v1/requests/{number}/log-call",
        "/api/v1/requests/{number}/wait",
        "/api/v1/requests/{number}/resume",
        "/api/v1/requests/{number}/visits",
        "/api/v1/requests/{number}/parts",
        "/api/v1/requests/{number}/resolve",
        "/api/v1/requests/{number}/close",
        "/api/v1/requests/{number}/reopen",
        "/api/v1/requests/{number}/cancel",
        "/api/v1/requests/{number}/comments",
    } <= paths
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_swagger_ui_is_served_without_a_cdn(db):
    # when
    response = Client().get(f"{API}/docs")

    # then
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
    assert b"cdn." not in response.content
