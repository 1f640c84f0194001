"""Chapter 5: ReLU, dead units and He initialisation."""

from __future__ import annotations

__all__: list[str] = []
