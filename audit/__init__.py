"""audit: find, repair, check, archive and report the web resources a document cites."""

from __future__ import annotations

__version__ = "0.1.0"
