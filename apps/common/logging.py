import logging

from apps.common.request_context import request_id_var


class RequestIdFilter(logging.Filter):
    """Add the current request id to every log record as %(request_id)s."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True
