"""Add a GIN index for full-text job search on PostgreSQL; a no-op on SQLite.

The indexed expression must match, token for token, the one apps.jobs.selectors builds
with SearchVector (title weighted A, description weighted B, English configuration), or
PostgreSQL will not use the index.
"""

from django.db import migrations

INDEX_NAME = "job_search_vector_gin"

CREATE_SQL = f"""
CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON jobs_job USING GIN ((
    setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')
))
"""
DROP_SQL = f"DROP INDEX IF EXISTS {INDEX_NAME}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_job_events_and_draft_fields")]

    operations = [migrations.RunPython(create_index, drop_index)]
