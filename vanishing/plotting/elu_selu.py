"""Chapter 7: ELU's bias shift and SELU's self-normalisation."""

from __future__ import annotations

__all__: list[str] = []
