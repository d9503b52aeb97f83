"""Entry point for ``python -m mstg_pinscan``."""

from mstg_pinscan._cli import main

raise SystemExit(main())
