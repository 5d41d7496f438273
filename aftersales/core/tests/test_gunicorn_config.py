"""config/gunicorn.py: what a production worker does once it has loaded the application."""

import gc
import sys

from config import gunicorn as gunicorn_config


def test_worker_start_loads_the_views_and_freezes_what_is_alive():
    # given
    gc.unfreeze()

    # when
    try:
        gunicorn_config.post_worker_init(worker=None)
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual

    # then: the URL configuration (every app's views, the API's routers) is loaded, and what is alive,
    # Django's and the application's objects, is out of the collector's sight
    assert {"config.urls", "aftersales.api.setup", "aftersales.service.api"} <= sys.modules.keys()
    assert frozen > 50_000
