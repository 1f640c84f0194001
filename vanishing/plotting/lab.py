"""Chapter 9: the gradient lab (per-layer gradients while training on the digits)."""

from __future__ import annotations

__all__: list[str] = []
