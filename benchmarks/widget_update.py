"""Time one update of each chapter widget, for depths 1 to 100.

    ./run bench        (or: .venv/bin/python benchmarks/widget_update.py)

For every depth it reports the median over repeats of
  * compute: the pure function behind the widget (chain.depth_profile for
    chapter 1, chain.first_layer_gradients for chapter 3);
  * compute + render: the plot function plus rendering the figure to PNG, which
    is what a slider move costs in a live kernel.
Targets on the course's 2-core machine: compute <= 1 ms, compute + render
<= 50 ms (median).  This script prints; nothing asserts on time.
"""

from __future__ import annotations

import io
import statistics
import time
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vanishing import plotting  # noqa: E402
from vanishing.core import chain  # noqa: E402

DEPTHS = (1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)


def median_ms(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def render(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)


WIDGETS = {
    "ch01 depth profile": (
        lambda d: chain.depth_profile(d, 1.0, np.random.default_rng(0)),
        lambda d: render(plotting.plot_chain_profile(d, 1.0)),
    ),
    "ch03 first-layer spread": (
        lambda d: chain.first_layer_gradients(d, 2000, np.random.default_rng(0)),
        lambda d: render(plotting.plot_first_layer_spread(min(d, 60))),
    ),
}


def main():
    print(f"numpy {np.__version__}, matplotlib {matplotlib.__version__}")
    for name, (compute, draw) in WIDGETS.items():
        print(f"\n{name}")
        print(f"{'depth':>6} {'compute ms':>11} {'compute+render ms':>18}")
        comp, full = [], []
        for d in DEPTHS:
            c = median_ms(partial(compute, d), 50)
            f = median_ms(partial(draw, d), 5)
            comp.append(c)
            full.append(f)
            print(f"{d:>6} {c:>11.3f} {f:>18.1f}")
        print(
            f"median over depths: compute {statistics.median(comp):.3f} ms (target <= 1), "
            f"compute+render {statistics.median(full):.1f} ms (target <= 50); "
            f"worst: {max(comp):.3f} ms / {max(full):.1f} ms"
        )


if __name__ == "__main__":
    main()
