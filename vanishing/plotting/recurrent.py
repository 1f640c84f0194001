"""Chapter 8: gradients through time in a vanilla RNN and an LSTM."""

from __future__ import annotations

__all__: list[str] = []
