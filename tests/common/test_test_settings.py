"""The test settings keep every store under var/ apart from the running site's."""

import importlib
import os
from pathlib import Path

from apps.monitoring import conf as monitoring_conf

embedded = importlib.import_module("kelmah.settings.embedded")
test_settings = importlib.import_module("kelmah.settings.test")
VAR_DIR = Path(embedded.VAR_DIR)


def _paths_under_var(value) -> set[str]:
    """Every string or path inside a setting value that names something under var/."""
    if isinstance(value, dict):
        return set().union(*(_paths_under_var(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_paths_under_var(v) for v in value)) if value else set()
    if isinstance(value, (str, Path)):
        text = str(value).removeprefix("sqlite:///")
        if text.startswith(str(VAR_DIR)) and Path(text) != VAR_DIR:
            return {text}
    return set()


def _site_files() -> set[str]:
    names = [name for name in dir(embedded) if name.isupper() and name != "VAR_DIR"]
    found = set().union(*(_paths_under_var(getattr(embedded, name)) for name in names))
    return found | {str(VAR_DIR / "monitoring-metrics.sqlite3")}


def test_embedded_default_lists_var_stores():
    site = _site_files()

    assert str(VAR_DIR / "breakers.sqlite3") in site
    assert str(VAR_DIR / "cache") in site
    assert str(VAR_DIR / "broker" / "queue") in site


def test_settings_avoid_site_files():
    names = [name for name in dir(test_settings) if name.isupper() and name != "VAR_DIR"]
    used = set().union(*(_paths_under_var(getattr(test_settings, name)) for name in names))

    assert used, "the test settings name their own files under var/"
    assert used.isdisjoint(_site_files())


def test_stores_are_per_process():
    pid = str(os.getpid())

    assert pid in str(test_settings.KELMAH_METRICS_SQLITE_PATH)
    assert pid in test_settings.RESILIENCE_BREAKER_STORE
    for folder in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert pid in test_settings.CELERY_BROKER_TRANSPORT_OPTIONS[folder]


def test_monitoring_metrics_file_is_private(settings):
    settings.KELMAH_METRICS_SQLITE_PATH = test_settings.KELMAH_METRICS_SQLITE_PATH

    assert monitoring_conf.load().metrics_sqlite_path != VAR_DIR / "monitoring-metrics.sqlite3"
