"""gunicorn settings read from the working directory (``gunicorn 'app:create_app()'``).

Only what Lotse itself needs; binding, workers and timeouts stay on the command line.
"""

import gc


def post_worker_init(worker):
    # The application's objects (models, views, templates, catalogues) live as long as
    # the worker. Frozen, the collector no longer walks them on every full collection,
    # which otherwise paused a request for about 180 ms every few dozen requests.
    gc.freeze()
