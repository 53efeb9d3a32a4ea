"""Print the database URL to use: $DATABASE_URL, or the embedded PostgreSQL (started if needed)."""

import os
import sys
from pathlib import Path

if os.environ.get("DATABASE_URL"):
    print(os.environ["DATABASE_URL"])
    sys.exit(0)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config.embedded import embedded_database_url

print(embedded_database_url(Path(__file__).resolve().parent.parent))
