"""Allow ``python -m rairlab``."""

import sys

from rairlab.cli import main

sys.exit(main())
