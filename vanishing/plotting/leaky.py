"""Chapter 6: Leaky ReLU, PReLU and RReLU (alpha and depth)."""

from __future__ import annotations

__all__: list[str] = []
