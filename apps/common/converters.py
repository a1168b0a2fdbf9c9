"""URL path converters shared by every app's URL map."""

from django.urls import register_converter


class IdConverter:
    """Converter for a database id in a path: up to 18 digits, so it always fits a 64-bit column.

    Django's "int" converter takes any number of digits, and a longer id raises
    OverflowError in the database driver (a 503) where a plain 404 is expected.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    """Register the "id" converter for use as <id:name> in URL patterns."""
    register_converter(IdConverter, "id")
