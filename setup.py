"""Package discovery: every package under ttgen/ is found, so a new one cannot be left out of the wheel.

schema/ and templates/ sit at the project root, where spec authors look for them, and install as ttgen.schema
and ttgen.templates (package-dir and package-data in pyproject.toml).
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["ttgen", "ttgen.*"]) + ["ttgen.schema", "ttgen.templates"])
