"""One cache for the course's expensive, seeded computations, with read-only results.

A twin on the website draws dozens of frames, and a chapter often prints,
plots and describes the same result; :func:`frozen_cache` computes each once.
A cached result is shared by every caller, so any numpy array inside it
(directly, or in a tuple, list, dict or dataclass) is made read-only: a
caller that tried to change it would otherwise change what every later
caller gets.

Where it is used: the experiments layer (:mod:`vanishing.experiments`) only.
The core computes, the plots draw, and the experiments, which know which
results a chapter asks for again, cache.  The one cache below them is of
random draws, not results: :data:`vanishing.core.propagation.STANDARD_NORMALS`
keeps each seed's standard normals, which every wide network of that seed
draws from.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np

__all__ = ["freeze", "frozen_cache"]


def freeze(value):
    """Make every numpy array reachable from ``value`` read-only, and return ``value``."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, (tuple, list)):
        for item in value:
            freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))
    return value


def frozen_cache(maxsize: int = 128) -> Callable:
    """:func:`functools.lru_cache` whose results are :func:`freeze`-d before they are stored.

    The arguments must be hashable (numbers, strings, tuples), as for
    ``lru_cache``; pass a seed, not a generator.
    """

    def decorate(fn):
        @functools.lru_cache(maxsize=maxsize)
        @functools.wraps(fn)
        def cached(*args, **kwargs):
            return freeze(fn(*args, **kwargs))

        return cached

    return decorate
