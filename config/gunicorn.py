"""gunicorn settings: `gunicorn -c python:config.gunicorn config.wsgi -w 4 -b 127.0.0.1:8000` (README,
"Running in production"; the benchmarks serve the application the same way).

Only what the command line cannot say: each worker loads every view and API schema at start and then
moves the objects alive at that point (about 150,000: modules, models, URL patterns, pydantic schemas)
out of the garbage collector's sight with `gc.freeze()`. They live as long as the worker anyway, and
otherwise every full collection walks all of them: a pause of 50–90 ms for whichever request is
running, once every few hundred requests (measured in-process on request creation).
"""

import gc


def post_worker_init(worker) -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every app's views and the API's routers now
    gc.freeze()
