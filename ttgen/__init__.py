"""ttgen: declarative YAML kernel specs to TT-Metalium programs."""

__version__ = "0.1.0"
