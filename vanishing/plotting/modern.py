"""Chapter 11: modern activations and the remedies beyond them."""

from __future__ import annotations

__all__: list[str] = []
