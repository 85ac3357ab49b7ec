"""`python -m audit`."""

from __future__ import annotations

from audit.cli import main

raise SystemExit(main())
