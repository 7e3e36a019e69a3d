"""``python -m sync.hub`` is ``himaya-hub``."""

import sys

from sync.hub.cli import main

sys.exit(main())
