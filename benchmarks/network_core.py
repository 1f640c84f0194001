"""The network core against its floor and against PyTorch, in one process.

    .venv/bin/python benchmarks/network_core.py [--repeats N] [--quick] [--compare path/to/old_mlp.py]

One forward and backward pass of a 20-layer, width-256 MLP on a batch of 1,024
(mean squared error against random targets), timed four ways, interleaved, on
one BLAS thread:

* **floor**: the same matrix products alone, into preallocated arrays
  (``A_{l-1} W_l`` forward; ``A_{l-1}^T delta_l`` and ``delta_l W_l^T`` backward);
* **MLP**: :meth:`vanishing.core.mlp.MLP.loss_and_gradients`, statistics not read;
* **PyTorch**: CPU autograd on the same weights (``torch.set_num_threads(1)``);
* **stats**: reading :attr:`Gradients.stats` afterwards, its cost alone.

Targets: MLP <= 1.5x the floor and faster than PyTorch.  The MLP computes in
float64 whatever its input (its parameters are float64), so the float32 rows
compare a float64 MLP with a float32 floor and PyTorch.  ``--compare`` loads an
older copy of ``mlp.py`` into the same process and times it beside the current
one.  Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which BLAS reads at import)

from vanishing.core import mlp  # noqa: E402

DEPTH, WIDTH, BATCH = 20, 256, 1024


def load_old_mlp(path: str):
    """An older ``mlp.py`` imported as a sibling module, so its relative imports resolve."""
    spec = importlib.util.spec_from_file_location("vanishing.core._mlp_compare", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def matmul_floor(weights, X, dtype):
    """A callable doing only the pass's matrix products, into arrays allocated once."""
    ws = [w.astype(dtype) for w in weights]
    acts = [X.astype(dtype)] + [np.empty((BATCH, w.shape[1]), dtype) for w in ws]
    deltas = [np.empty((BATCH, w.shape[1]), dtype) for w in ws]
    grads = [np.empty_like(w) for w in ws]
    deltas[-1][:] = 1e-3

    def run():
        for i, w in enumerate(ws):
            np.matmul(acts[i], w, out=acts[i + 1])
        for i in range(len(ws) - 1, -1, -1):
            np.matmul(acts[i].T, deltas[i], out=grads[i])
            if i:
                np.matmul(deltas[i], ws[i].T, out=deltas[i - 1])

    return run


def torch_pass(weights, biases, X, targets, activation, residual, dtype):
    """A callable doing the same pass with PyTorch's autograd (None if torch is missing)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    ws = [torch.tensor(w, dtype=tdtype, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=tdtype, requires_grad=True) for b in biases]
    x = torch.tensor(X, dtype=tdtype)
    t = torch.tensor(targets, dtype=tdtype)
    f = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]

    def run():
        for p in ws + bs:
            p.grad = None
        a = x
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            z = torch.addmm(b, a, w)
            if i == len(ws) - 1:
                a = z
            else:
                a = a + f(z) if residual else f(z)
        torch.nn.functional.mse_loss(a, t).backward()

    return run


def median_ms(fns: dict, repeats: int) -> dict:
    """Median milliseconds of each callable, calls interleaved round-robin.

    CPU time of this process (``time.process_time``): every computation here
    runs on one thread, and on a shared machine wall time mostly measures the
    neighbours.
    """
    times = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm up
    for _ in range(repeats):
        for k, fn in fns.items():
            start = time.process_time()
            fn()
            times[k].append(time.process_time() - start)
    return {k: 1e3 * statistics.median(v) for k, v in times.items()}


def stats_cost(net, X, targets, repeats: int) -> float:
    """Median milliseconds of the first read of ``.stats`` (a fresh pass each time, not timed)."""
    times = []
    for _ in range(repeats):
        g = net.loss_and_gradients(X, targets, "mse")
        start = time.process_time()
        _ = g.stats
        times.append(time.process_time() - start)
    return 1e3 * statistics.median(times)


def verdict(ratio: float, target: float, strict: bool = False) -> str:
    met = ratio < target if strict else ratio <= target
    return "met" if met else "MISSED"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="relu and tanh, float64, no residual")
    parser.add_argument("--compare", help="path of an older mlp.py to time beside the current one")
    args = parser.parse_args(argv)
    old = load_old_mlp(args.compare) if args.compare else None

    print(
        f"Network core: {DEPTH} layers of width {WIDTH}, batch {BATCH}, MSE; medians of {args.repeats}, "
        f"interleaved (BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS')})"
    )
    header = f"  {'configuration':28s} {'floor':>7s} {'MLP':>7s} {'torch':>7s} {'stats':>6s}"
    header += f" {'old MLP':>8s}" if old else ""
    print(header + "   MLP/floor (<= 1.5)   MLP/torch (< 1)")
    configs = [
        (act, residual, dtype)
        for dtype in (np.float64, np.float32)
        for act in ("relu", "tanh", "sigmoid")
        for residual in (False, True)
    ]
    if args.quick:
        configs = [(a, False, np.float64) for a in ("relu", "tanh")]
    for act, residual, dtype in configs:
        rng = np.random.default_rng(0)
        init = "he_normal" if act == "relu" else "xavier_normal"
        net = mlp.MLP.initialise([WIDTH] * (DEPTH + 1), act, init, rng, residual=residual)
        if residual:
            for w in net.weights:
                w *= 0.3  # keep a residual stack's activations in range
        X = rng.normal(size=(BATCH, WIDTH)).astype(dtype)
        targets = rng.normal(size=(BATCH, WIDTH)).astype(dtype)
        fns = {
            "floor": matmul_floor(net.weights, X, dtype),
            "mlp": lambda net=net, X=X, t=targets: net.loss_and_gradients(X, t, "mse"),
        }
        run_torch = torch_pass(net.weights, net.biases, X, targets, act, residual, dtype)
        if run_torch is not None:
            fns["torch"] = run_torch
        if old:
            old_net = old.MLP(net.weights, net.biases, act, residual=residual)
            fns["old"] = lambda n=old_net, X=X, t=targets: n.loss_and_gradients(X, t, "mse")
        ms = median_ms(fns, args.repeats)
        stats_ms = stats_cost(net, X, targets, max(3, args.repeats // 2))
        label = f"{act}{' residual' if residual else ''} {np.dtype(dtype).name}"
        torch_ms = ms.get("torch", float("nan"))
        line = f"  {label:28s} {ms['floor']:7.1f} {ms['mlp']:7.1f} {torch_ms:7.1f} {stats_ms:6.1f}"
        line += f" {ms['old']:8.1f}" if old else ""
        r_floor, r_torch = ms["mlp"] / ms["floor"], ms["mlp"] / torch_ms
        line += f"   {r_floor:5.2f}x {verdict(r_floor, 1.5):6s}        {r_torch:5.2f}x {verdict(r_torch, 1.0, True)}"
        print(line, flush=True)
    print("  (CPU ms of this process; stats = reading Gradients.stats once, not included in MLP)")
    print_elementwise_path(args.repeats)
    return 0


def print_elementwise_path(repeats: int) -> None:
    """numpy's code path and what one tanh and one exp over every hidden unit of the pass cost on it.

    ``./run`` pins numpy to its AVX2 kernels (``NPY_DISABLE_CPU_FEATURES``, for
    outputs that do not depend on the CPU); there float64 ``tanh`` and ``exp``
    are about three times slower than on the AVX-512 path, and a tanh or
    sigmoid pass needs one of each.  Run this script with and without that
    variable to see both paths.
    """
    from numpy._core._multiarray_umath import __cpu_features__

    x = np.random.default_rng(1).normal(size=DEPTH * BATCH * WIDTH)
    out = np.empty_like(x)
    ms = median_ms({"tanh": lambda: np.tanh(x, out=out), "exp": lambda: np.exp(x, out=out)}, repeats)
    path = "AVX-512" if __cpu_features__.get("AVX512_SKX") else "AVX2 or lower"
    print(
        f"  numpy's {path} path (NPY_DISABLE_CPU_FEATURES={os.environ.get('NPY_DISABLE_CPU_FEATURES', '')!r}): "
        f"one float64 tanh over the pass's {x.size:,} hidden values {ms['tanh']:.1f} ms, one exp {ms['exp']:.1f} ms"
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
