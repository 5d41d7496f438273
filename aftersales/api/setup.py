"""The one NinjaAPI instance: authentication, the error body format, and each app's router.

Mounted at /api/v1/ (config/urls.py); the OpenAPI schema is /api/v1/openapi.json and Swagger UI
/api/v1/docs (served from ninja's own static files, no CDN). See docs/api.md.
"""

from ninja import NinjaAPI

from aftersales.api.auth import AUTH
from aftersales.api.errors import install_error_handlers

api = NinjaAPI(
    title="aftersales API",
    version="1",
    description="After-sales service requests, customers and assets. Errors are always "
    '`{"message": "...", "extra": {...}}`; see docs/api.md.',
    urls_namespace="api",
    auth=AUTH,
)
install_error_handlers(api)


def _add_routers() -> None:
    from aftersales.customers.api import router as customers_router
    from aftersales.facts.api import router as facts_router
    from aftersales.integrations.api import router as integrations_router
    from aftersales.kpi.api import router as kpi_router
    from aftersales.service.api import router as service_router
    from aftersales.surveys.api import router as surveys_router

    api.add_router("/", customers_router)
    api.add_router("/", service_router)
    api.add_router("/", surveys_router)
    api.add_router("/", integrations_router)
    api.add_router("/", kpi_router)
    api.add_router("/", facts_router)


_add_routers()
