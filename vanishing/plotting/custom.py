"""Chapter 10: an activation of the reader's own."""

from __future__ import annotations

__all__: list[str] = []
