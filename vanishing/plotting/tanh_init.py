"""Chapter 4: tanh against the sigmoid, and initialisation scale against depth."""

from __future__ import annotations

__all__: list[str] = []
