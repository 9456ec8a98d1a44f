"""Where ttgen finds its data: the schema and the template sets.

In a checkout (and an editable install) they are the project's own schema/ and templates/ folders; a regular
install carries them as ttgen/schema and ttgen/templates (see pyproject.toml).
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    checkout = PROJECT_ROOT / name
    return checkout if (checkout / ".ttgen-data").exists() else PACKAGE_DIR / name


SCHEMA_DIR = _data_dir("schema")
SCHEMA_FILE = SCHEMA_DIR / "kernel.schema.json"
TEMPLATES_DIR = _data_dir("templates")
