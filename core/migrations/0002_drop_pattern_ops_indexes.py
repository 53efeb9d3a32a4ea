"""Drop the ``*_like`` (varchar_pattern_ops) indexes that Django created before Nudge's schema
editor stopped creating them (core/db/postgresql/schema.py). A fresh database has none."""

from django.db import migrations

DROP_PATTERN_INDEXES = r"""
DO $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT DISTINCT i.relname
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = i.relnamespace
    JOIN pg_opclass o ON o.oid = ANY (x.indclass::oid[])
    WHERE n.nspname = current_schema()
      AND o.opcname IN ('varchar_pattern_ops', 'text_pattern_ops')
      AND i.relname LIKE '%\_like'
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I', r.relname);
  END LOOP;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("audience", "0001_initial"),
        ("campaigns", "0001_initial"),
        ("catalog", "0001_initial"),
        ("creatives", "0001_initial"),
        ("decisioning", "0001_initial"),
        ("runs", "0005_caps_outputs"),
    ]

    operations = [migrations.RunSQL(DROP_PATTERN_INDEXES, migrations.RunSQL.noop)]
