from aftersales.api.setup import api

__all__ = ["api"]
