"""`python -m ttgen` is the `ttgen` command."""

import sys

from .cli import main

sys.exit(main())
