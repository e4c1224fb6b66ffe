"""gunicorn settings for the portal, read from the working directory.

    gunicorn 'portal:create_app()'            # the production command (README, "Running")

Only what the portal needs of every deployment is here; workers, address and timeouts are the
operator's (command line or GUNICORN_CMD_ARGS).
"""


def post_worker_init(worker) -> None:
    """Once the worker has loaded the portal: keep the collector off start-up's objects."""
    from portal.serving import freeze_startup_heap

    freeze_startup_heap()
