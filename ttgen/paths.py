"""Where ttgen finds its data: the schema and template sets live beside the package in the project root."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = PROJECT_ROOT / "schema" / "kernel.schema.json"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
