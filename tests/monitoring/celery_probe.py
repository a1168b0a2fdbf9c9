"""A minimal Celery app for the worker liveness tests, run as real worker processes.

It needs no Django: the broker URL and the control exchange come from the environment,
and the exchange is unique per test run, so pings never reach other people's workers on
the same Redis database.
"""

import os

from celery import Celery

app = Celery("kelmah_probe", broker=os.environ.get("PROBE_BROKER_URL", "memory://"))
app.conf.control_exchange = os.environ.get("PROBE_CONTROL_EXCHANGE", "kelmah-probe")
app.conf.worker_hijack_root_logger = False
app.conf.broker_connection_retry_on_startup = True
app.conf.task_default_queue = "probe-default"


@app.task(name="probe.noop")
def noop():
    return None
