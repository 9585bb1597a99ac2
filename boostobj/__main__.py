"""``python -m boostobj`` runs the ``boostobj`` command."""

import sys

from .cli import main

sys.exit(main())
