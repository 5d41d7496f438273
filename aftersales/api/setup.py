"""The one NinjaAPI instance: authentication, the error body format, and each app's router."""

from ninja import NinjaAPI

api = NinjaAPI(title="aftersales API", version="1", urls_namespace="api")
