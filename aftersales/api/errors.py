"""One error body for every failure: `{"message": "...", "extra": {...}}`.

- `ApplicationError` and subclasses: their `status_code` (400, 403 NotAllowed, 409 IllegalTransition)
  and `extra` (with `field` when the error is about one input);
- invalid input (ninja's ValidationError): 422, `extra.errors` lists `{"field": "body.subject", "message"}`;
- 401 without valid credentials, 404 for anything missing or not visible, and a 500 that never shows a
  traceback (it is logged).
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from aftersales.core.errors import ApplicationError

logger = logging.getLogger("aftersales.api")

# The names endpoints give their body schema and query-filter schema parameters; ninja puts them in
# error paths, where they mean nothing to a client: `body.payload.subject` reads `body.subject`.
SCHEMA_PARAMETERS = frozenset({"payload", "filters"})


def error_body(message: str, **extra) -> dict:
    return {"message": message, "extra": extra}


def field_path(loc) -> str:
    parts = [str(part) for part in loc]
    if len(parts) >= 3 and parts[1] in SCHEMA_PARAMETERS:
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


def validation_errors(errors: list[dict]) -> list[dict]:
    return [{"field": field_path(error.get("loc", ())), "message": error.get("msg", "")} for error in errors]


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApplicationError)
    def application_error(request, exc: ApplicationError):
        return respond(request, exc.status_code, {"message": exc.message, "extra": exc.extra})

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request, exc: NinjaValidationError):
        return respond(request, 422, error_body("Invalid input", errors=validation_errors(exc.errors)))

    @api.exception_handler(DjangoValidationError)
    def invalid_model(request, exc: DjangoValidationError):
        # A model's full_clean() inside a service: report the first field it names.
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
            field, messages = next(iter(errors.items()))
            extra = {"errors": errors} if field == "__all__" else {"field": field, "errors": errors}
            return respond(request, 400, {"message": messages[0], "extra": extra})
        return respond(request, 400, error_body(" ".join(exc.messages)))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc: AuthenticationError):
        message = exc.message if exc.message != "Unauthorized" else "Authentication required."
        response = respond(request, 401, error_body(message))
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return respond(request, exc.status_code, error_body(exc.message))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc: PermissionDenied):
        return respond(request, 403, error_body(str(exc) or "Forbidden"))

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return respond(request, 404, error_body("Not found"))

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc: ObjectDoesNotExist):
        return respond(request, 404, error_body("Not found"))

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
        return respond(request, 500, error_body("Internal server error"))
