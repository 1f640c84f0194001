"""Chapter 7: inactive units in Leaky ReLU chains, PReLU's learned slopes, RReLU's two conventions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import sympy as sp

from vanishing.core import activations, chain, mlp
from vanishing.experiments import dying_relu, leaky_relu


def hand_rolled_first_layer_gradient(w, b, x, alpha):
    """da_n/dz_1 for one chain, written out without vanishing.chain."""
    a, slopes = x, []
    for w_j, b_j in zip(w, b, strict=True):
        z = w_j * a + b_j
        slopes.append(1.0 if z > 0 else alpha)
        a = z if z > 0 else alpha * z
    grad = slopes[0]
    for w_j, s_j in zip(w[1:], slopes[1:], strict=True):
        grad *= w_j * s_j
    return grad


# -- inactive units in a chain ------------------------------------------------
def test_alpha_zero_is_exactly_the_relu_chain():
    s = leaky_relu.leaky_chain_gradients(0.0, 12, np.random.default_rng(5), n_chains=300)
    w, b = chain.random_chains(12, 300, np.random.default_rng(5))
    relu = chain.backward(w, b, 1.0, 0.0, "relu")
    np.testing.assert_array_equal(s.weights, w)
    np.testing.assert_array_equal(s.grads, np.abs(relu.dout_dz[:, 0]))


def test_alpha_zero_kills_the_gradient_exactly_when_a_unit_is_inactive():
    s = leaky_relu.leaky_chain_gradients(0.0, 4, np.random.default_rng(6), n_chains=4000)
    killed = s.inactive_counts >= 1
    assert np.all(s.grads[killed] == 0.0)
    assert np.all(s.grads[~killed] > 0.0)
    assert s.zero_fraction == pytest.approx(killed.mean())
    # P(no inactive unit) = 2**-4 = 0.0625; 4000 chains: standard error 0.0038
    assert abs((1 - s.zero_fraction) - 0.0625) < 0.015


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.1, 0.3, 0.9])
def test_gradient_is_alpha_to_the_number_of_inactive_units_times_the_weights(alpha):
    s = leaky_relu.leaky_chain_gradients(alpha, 15, np.random.default_rng(7), n_chains=500)
    predicted = leaky_relu.predicted_gradient(alpha, s.weights, s.inactive)
    np.testing.assert_allclose(s.grads, predicted, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.2])
def test_gradient_is_bounded_by_the_weights_alone(alpha):
    s = leaky_relu.leaky_chain_gradients(alpha, 20, np.random.default_rng(8), n_chains=500)
    weights_only = np.prod(np.abs(s.weights[:, 1:]), axis=1)
    assert np.all(s.grads <= weights_only * (1 + 1e-12))
    assert np.all(s.grads >= alpha**20 * weights_only * (1 - 1e-12))


def test_chain_gradient_agrees_with_a_hand_rolled_loop():
    alpha = 0.15
    s = leaky_relu.leaky_chain_gradients(alpha, 8, np.random.default_rng(9), n_chains=50)
    _, b = chain.random_chains(8, 50, np.random.default_rng(9))
    for i in range(50):
        expected = abs(hand_rolled_first_layer_gradient(s.weights[i], b[i], 1.0, alpha))
        assert s.grads[i] == pytest.approx(expected, rel=1e-12)


def test_chain_gradient_agrees_with_finite_differences():
    alpha, depth, h = 0.2, 6, 1e-5
    s = leaky_relu.leaky_chain_gradients(alpha, depth, np.random.default_rng(10), n_chains=200)
    w, b = chain.random_chains(depth, 200, np.random.default_rng(10))
    act = activations.get("leaky_relu", alpha=alpha)
    # moving b_1 moves z_1 one for one, so d a_n / d b_1 = d a_n / d z_1
    up, down = b.copy(), b.copy()
    up[:, 0] += h
    down[:, 0] -= h
    a_up = chain.forward(w, up, 1.0, act)[1][:, -1]
    a_down = chain.forward(w, down, 1.0, act)[1][:, -1]
    numeric = np.abs((a_up - a_down) / (2 * h))
    away = np.all(np.abs(s.z) > 1e-3, axis=1)  # no stencil across a kink
    assert away.sum() > 150
    # the chain is piecewise linear: no truncation error, only rounding (~1e-16 / h)
    np.testing.assert_allclose(s.grads[away], numeric[away], rtol=1e-6, atol=1e-9)


def test_inactive_counts_follow_a_fair_coin_per_layer():
    np.testing.assert_allclose(leaky_relu.inactive_count_pmf(3), [1 / 8, 3 / 8, 3 / 8, 1 / 8])
    assert leaky_relu.inactive_count_pmf(40).sum() == pytest.approx(1.0)
    s = leaky_relu.leaky_chain_gradients(0.1, 6, np.random.default_rng(11), n_chains=20_000)
    observed = np.bincount(s.inactive_counts, minlength=7) / 20_000
    assert np.max(np.abs(observed - leaky_relu.inactive_count_pmf(6))) < 0.012
    assert abs(s.inactive_fraction - 0.5) < 0.005
    # and layer by layer, not only on average
    assert np.all(np.abs(s.inactive.mean(axis=0) - 0.5) < 0.015)


def test_expected_log_of_a_standard_normal_weight():
    w = sp.Symbol("w", positive=True)
    density = sp.exp(-(w**2) / 2) / sp.sqrt(2 * sp.pi)
    exact = sp.simplify(2 * sp.integrate(sp.log(w) * density, (w, 0, sp.oo)))
    assert sp.simplify(exact + (sp.EulerGamma + sp.log(2)) / 2) == 0
    assert leaky_relu.LOG_ABS_NORMAL == pytest.approx(float(exact), rel=1e-14)
    quad, _ = scipy.integrate.quad(lambda v: np.log(v) * np.exp(-v * v / 2) * np.sqrt(2 / np.pi), 0, np.inf)
    assert leaky_relu.LOG_ABS_NORMAL == pytest.approx(quad, rel=1e-8)


@pytest.mark.parametrize(("alpha", "depth"), [(0.1, 10), (0.01, 30), (0.5, 5)])
def test_mean_log_gradient_matches_theory(alpha, depth):
    s = leaky_relu.leaky_chain_gradients(alpha, depth, np.random.default_rng(12), n_chains=4000)
    logs = np.log10(s.grads)
    stderr = logs.std() / np.sqrt(logs.size)
    assert abs(logs.mean() - leaky_relu.expected_log10_gradient(alpha, depth)) < 4 * stderr
    assert leaky_relu.expected_log10_gradient(0.0, depth) == -math.inf
    # with weight_std = exp(-E ln|w|) the weights cost nothing on average
    assert leaky_relu.expected_log10_gradient(
        1.0, depth, weight_std=math.exp(-leaky_relu.LOG_ABS_NORMAL)
    ) == pytest.approx(0.0, abs=1e-12)


def test_describe_says_what_the_frame_shows():
    text = leaky_relu.describe_leaky_chain(0.1, 10)
    assert "alpha 0.1" in text and "depth 10" in text and "none of the gradients is 0" in text
    assert "decades" in text
    assert "% of units are inactive" in text
    assert "every one of the 2000" in leaky_relu.describe_leaky_chain(0.0, 40)
    assert "% of the first-layer gradients are exactly 0" in leaky_relu.describe_leaky_chain(0.0, 5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 1.0, "depth": 3}, ValueError, "alpha must be in"),
        ({"alpha": -0.1, "depth": 3}, ValueError, "alpha must be in"),
        ({"alpha": 0.1, "depth": 0}, ValueError, "depth must be an integer"),
        ({"alpha": 0.1, "depth": 2.5}, TypeError, "depth must be an integer"),
    ],
)
def test_chain_sampler_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        leaky_relu.leaky_chain_gradients(rng=np.random.default_rng(0), **kwargs)


def test_chain_sampler_and_helpers_refuse_bad_arguments():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        leaky_relu.leaky_chain_gradients(0.1, 3, rng=0)
    with pytest.raises(ValueError, match="inactive must be a boolean array"):
        leaky_relu.predicted_gradient(0.1, np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="depth must be an integer"):
        leaky_relu.inactive_count_pmf(0)
    with pytest.raises(ValueError, match="weight_std must be in"):
        leaky_relu.expected_log10_gradient(0.1, 3, weight_std=0.0)


# -- PReLU ---------------------------------------------------------------------
def test_prelu_derivatives_match_sympy():
    act = activations.get("prelu", alpha=-0.4)
    expr = act.expr()
    a = sp.Symbol("alpha", real=True)
    symbolic = activations.get("prelu").expr(symbolic=True)
    grid = np.linspace(-5.0, 5.0, 2001)
    grid = grid[np.abs(grid) > 1e-9]  # away from the kink
    d_dx = sp.lambdify(activations.x, sp.diff(expr, activations.x), "numpy")(grid)
    d_da = sp.lambdify((activations.x, a), sp.diff(symbolic, a), "numpy")(grid, -0.4)
    np.testing.assert_allclose(act.derivative(grid), d_dx, rtol=0, atol=1e-15)
    np.testing.assert_allclose(act.param_derivative("alpha", grid), d_da, rtol=0, atol=1e-15)


def test_slope_gradients_match_finite_differences():
    rng = np.random.default_rng(13)
    net = mlp.MLP.initialise([2, 5, 4, 3], "prelu", "he_normal", rng)
    net.alphas[0][:] = rng.uniform(-0.8, 1.3, 5)  # unconstrained, as in He et al.
    net.alphas[1][:] = rng.uniform(-0.8, 1.3, 4)
    X = rng.normal(size=(40, 2))
    y = rng.integers(0, 3, size=40)
    analytic = net.loss_and_gradients(X, y, "cross_entropy").alphas
    numeric = leaky_relu.alpha_finite_differences(net, X, y)
    for a, n in zip(analytic, numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-9)
    # the slopes were restored
    assert net.loss_and_gradients(X, y, "cross_entropy").alphas[0] == pytest.approx(analytic[0])


def test_alpha_finite_differences_needs_a_prelu_network():
    net = mlp.MLP.initialise([2, 3, 2], "relu", "he_normal", np.random.default_rng(0))
    with pytest.raises(TypeError, match="activation 'prelu'"):
        leaky_relu.alpha_finite_differences(net, np.zeros((2, 2)), np.array([0, 1]))


def test_train_prelu_records_every_slope_from_0_25():
    run = leaky_relu.train_prelu(epochs=4, sizes=(2, 6, 5, 2))
    slopes = run.slopes
    assert [s.shape for s in slopes] == [(5, 6), (5, 5)]
    assert all(np.all(s[0] == 0.25) for s in slopes)
    np.testing.assert_array_equal(slopes[1][-1], run.net.alphas[1])
    np.testing.assert_allclose(run.history.alpha_mean, np.stack([s.mean(axis=1) for s in slopes], axis=1))
    q = leaky_relu.slope_quantiles(run, (0.0, 0.5, 1.0))
    assert q.shape == (3, 5, 2)
    assert np.all(q[0] <= q[1]) and np.all(q[1] <= q[2])
    with pytest.raises(ValueError, match="quantiles must be"):
        leaky_relu.slope_quantiles(run, (0.5, 2.0))
    with pytest.raises(TypeError, match="run must be a PReLURun"):
        leaky_relu.slope_quantiles(run.history)


def test_train_prelu_is_reproducible():
    a = leaky_relu.train_prelu(epochs=3, sizes=(2, 4, 2)).history.alpha_mean
    b = leaky_relu.train_prelu(epochs=3, sizes=(2, 4, 2)).history.alpha_mean
    np.testing.assert_array_equal(a, b)


# -- RReLU -----------------------------------------------------------------------
def test_conventions_have_the_published_slopes():
    conv = leaky_relu.rrelu_conventions()
    paper, torch_like = conv["paper"], conv["pytorch"]
    assert paper.eval_slope == pytest.approx(1 / 5.5)
    assert torch_like.eval_slope == pytest.approx(11 / 48)
    mean_inverse, _ = scipy.integrate.quad(lambda a: 1 / a / 5, 3, 8)
    assert paper.mean_train_slope == pytest.approx(mean_inverse, rel=1e-12)
    assert paper.mean_train_slope == pytest.approx(0.19617, abs=1e-5)
    # Jensen: the mean of 1/a exceeds 1 / (mean of a)
    assert paper.mean_train_slope > paper.eval_slope
    assert torch_like.mean_train_slope == torch_like.eval_slope


@pytest.mark.parametrize("key", ["paper", "pytorch"])
def test_sampled_slopes_live_on_one_eighth_to_one_third_with_the_right_mean(key):
    conv = leaky_relu.rrelu_conventions()[key]
    s = conv.sample(200_000, np.random.default_rng(14))
    assert s.min() >= 1 / 8 and s.max() <= 1 / 3
    assert abs(s.mean() - conv.mean_train_slope) < 4 * s.std() / np.sqrt(s.size)


def test_pytorch_convention_uses_the_library_rrelu():
    rng_a, rng_b = np.random.default_rng(15), np.random.default_rng(15)
    s = leaky_relu.rrelu_conventions()["pytorch"].sample((3, 4), rng_a)
    np.testing.assert_array_equal(
        s, activations.get("rrelu", lower=1 / 8, upper=1 / 3).sample_slopes((3, 4), rng_b)
    )


def test_mean_shift_between_training_and_evaluation():
    x = np.random.default_rng(16).normal(size=400_000)
    neg_mean = -1 / np.sqrt(2 * np.pi)  # E[min(x, 0)] for x ~ N(0, 1)
    for key, conv in leaky_relu.rrelu_conventions().items():
        train, evaluation = leaky_relu.rrelu_mean_shift(conv, x, np.random.default_rng(17))
        expected = (conv.mean_train_slope - conv.eval_slope) * neg_mean
        assert abs((train - evaluation) - expected) < 2e-4, key
    assert expected == 0.0  # the framework's convention matches the mean


def test_rrelu_helpers_refuse_bad_arguments():
    with pytest.raises(ValueError, match="lower must be < upper"):
        leaky_relu.paper_rrelu_slopes(3, np.random.default_rng(0), lower=8.0, upper=3.0)
    with pytest.raises(TypeError, match="rng must be"):
        leaky_relu.paper_rrelu_slopes(3, None)
    with pytest.raises(ValueError, match="finite"):
        leaky_relu.rrelu_mean_shift(
            leaky_relu.rrelu_conventions()["paper"], [np.nan], np.random.default_rng(0)
        )
    with pytest.raises(TypeError, match="convention must be an RReLUConvention"):
        leaky_relu.rrelu_mean_shift("paper", [1.0], np.random.default_rng(0))


# -- Leaky ReLU networks in training: chapter 6's collapse setting ----------------
@pytest.mark.parametrize("alpha", [0.01, 0.3])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_leaky_network_gradients_match_finite_differences(alpha, loss):
    """Back-propagation through Leaky ReLU layers, including units that are off on every input."""
    rng = np.random.default_rng(21)
    net = mlp.MLP.initialise([3, 6, 5, 3], activations.get("leaky_relu", alpha=alpha), "he_normal", rng)
    for b in net.biases:
        b[:] = rng.normal(0, 0.1, b.shape)
    X = rng.normal(size=(9, 3))
    dying_relu.kill_units(net, X, 2, [0, 1], margin=0.3)  # z <= -0.3 on all 9 rows: far from the kink
    targets = rng.normal(size=(9, 3)) if loss == "mse" else rng.integers(0, 3, size=9)
    g = net.loss_and_gradients(X, targets, loss)
    numeric = mlp.numerical_gradients(net, X, targets, loss, params=net.weights + net.biases)
    for analytic, n in zip(g.weights + g.biases, numeric, strict=True):
        np.testing.assert_allclose(analytic, n, rtol=1e-5, atol=1e-9)
    # the two units off everywhere still receive a gradient: alpha times what a linear unit would get
    assert np.all(np.abs(g.biases[1][:2]) > 0)
    relu = mlp.MLP([w.copy() for w in net.weights], [b.copy() for b in net.biases], "relu")
    assert np.all(relu.loss_and_gradients(X, targets, loss).biases[1][:2] == 0.0)


SMALL_COLLAPSE = {"seeds": (0, 1), "depth": 3, "epochs": 3, "width": 8, "n_train": 64}


def test_collapse_comparison_reuses_revival_run_for_every_activation():
    c = leaky_relu.collapse_comparison((0.0, 0.1), lr=0.2, **SMALL_COLLAPSE)
    assert c.accuracy.shape == c.loss.shape == c.dead_share.shape == (2, 2)
    assert (c.depth, c.width, c.n_train, c.lr, c.epochs) == (3, 8, 64, 0.2, 3)
    assert not c.diverged.any()
    for i, act in enumerate(["relu", activations.get("leaky_relu", alpha=0.1)]):
        for j, seed in enumerate(c.seeds):
            trace = dying_relu.revival_run(3, 0.2, seed, epochs=3, width=8, n_train=64, activation=act)
            assert c.accuracy[i, j] == trace.train_accuracy[-1]
            assert c.loss[i, j] == trace.loss[-1]
            assert c.dead_share[i, j] == trace.fraction[-1].max()
            assert c.layer_lost[i, j] == bool(np.any(trace.fraction == 1.0))
    # the ReLU row is chapter 6's run: revival_run with its default activation
    relu_trace = dying_relu.revival_run(3, 0.2, 1, epochs=3, width=8, n_train=64)
    assert c.accuracy[0, 1] == relu_trace.train_accuracy[-1]
    assert np.all((c.accuracy >= 0) & (c.accuracy <= 1))
    assert np.all((c.dead_share >= 0) & (c.dead_share <= 1))
    assert c.row(0.1) == 1
    with pytest.raises(ValueError, match="alpha must be one of"):
        c.row(0.3)


def test_a_layer_dead_at_the_end_counts_as_lost():
    # lr 5 kills whole ReLU layers in these small networks; the Leaky ReLU rows use the same test
    c = leaky_relu.collapse_comparison(lr=5.0, **SMALL_COLLAPSE)
    finished = ~c.diverged
    share = c.dead_share[finished]
    assert np.all((share >= 0) & (share <= 1))
    assert c.layer_lost[0].any()
    assert np.all(c.layer_lost[c.dead_share == 1.0])


def test_chapter_6_collapse_is_reproduced_by_the_relu_row():
    """Seed 0 at learning rate 0.4: chapter 6's collapse, read through the comparison."""
    c = leaky_relu.collapse_comparison((0.0,), seeds=(0,))
    trace = dying_relu.revival_run(8, 0.4, 0, epochs=30)
    assert c.layer_lost[0, 0] and c.dead_share[0, 0] == 1.0
    assert c.accuracy[0, 0] == trace.train_accuracy[-1]


def test_collapse_comparison_records_a_diverged_run():
    # a huge step kills every ReLU unit at once (nothing left to overflow); the leaky units overflow
    c = leaky_relu.collapse_comparison((0.3,), lr=1e8, **SMALL_COLLAPSE)
    assert c.diverged.all()
    with pytest.raises(FloatingPointError, match="diverged"):
        dying_relu.revival_run(
            3, 1e8, 0, epochs=3, width=8, n_train=64, activation=activations.get("leaky_relu", alpha=0.3)
        )
    assert np.all(np.isnan(c.accuracy)) and np.all(np.isnan(c.dead_share)) and np.all(np.isnan(c.loss))
    assert not c.layer_lost.any()


def test_collapse_comparison_is_cached_read_only_and_checks_its_arguments():
    a = leaky_relu.collapse_comparison((0.0, 0.1), lr=0.2, **SMALL_COLLAPSE)
    assert a is leaky_relu.collapse_comparison((0.0, 0.1), lr=0.2, **SMALL_COLLAPSE)
    with pytest.raises(ValueError, match="read-only"):
        a.accuracy[0, 0] = 0.5
    with pytest.raises(ValueError, match=r"alphas\[i\] must be in"):
        leaky_relu.collapse_comparison((0.0, 1.0))
    with pytest.raises(ValueError, match="alphas must list"):
        leaky_relu.collapse_comparison((0.1, 0.1))
    with pytest.raises(ValueError, match="seeds must list"):
        leaky_relu.collapse_comparison(seeds=())
    with pytest.raises(ValueError, match="lr must be in"):
        leaky_relu.collapse_comparison(lr=0.0)
    with pytest.raises(TypeError, match="depth must be"):
        leaky_relu.collapse_comparison(depth=2.5)


# --------------------------------------------------------------------------
# Wide layers: the backward profile against the mean-field chi_1
# --------------------------------------------------------------------------
def _network_like_simulate(alpha, sigma_w, depth, width, seed, batch=16, c0=0.5):
    """The draws of propagation.simulate (q0 = 1, no biases), rebuilt by hand for one seed."""
    rng = np.random.default_rng(seed)
    half = batch // 2
    a = rng.standard_normal((half, width))
    b = c0 * a + math.sqrt(1 - c0 * c0) * rng.standard_normal((half, width))
    h1 = np.concatenate([a, b])
    weights = [rng.normal(0.0, sigma_w / math.sqrt(width), (width, width)) for _ in range(depth - 1)]
    delta = rng.standard_normal((batch, width))
    return h1, weights, delta


@pytest.mark.parametrize(("alpha", "init"), [(0.1, "he_leaky"), (0.3, "he"), (0.0, "he")])
def test_wide_profile_matches_finite_differences_of_a_real_loss(alpha, init):
    """The profile's layer-1 RMS gradient is the gradient of L = sum(delta * h^L) by finite differences."""
    depth, width = 4, 6
    p = leaky_relu.wide_backward_profile(alpha, depth, width=width, seeds=(3,), init=init)
    h1, weights, delta = _network_like_simulate(alpha, math.sqrt(p.sigma_w2), depth, width, 3)
    f = activations.get("leaky_relu", alpha=alpha)

    def loss(h):
        for w in weights:
            h = f.forward(h) @ w
        return float(np.sum(delta * h))

    step, grad = 1e-6, np.empty_like(h1)
    for idx in np.ndindex(h1.shape):
        up, down = h1.copy(), h1.copy()
        up[idx] += step
        down[idx] -= step
        grad[idx] = (loss(up) - loss(down)) / (2 * step)
    assert np.min(np.abs(h1)) > 1e-4  # no kink inside the differences
    assert p.rms[0, 0] == pytest.approx(np.sqrt(np.mean(grad**2)), rel=1e-6)
    assert p.rms[0, -1] == pytest.approx(np.sqrt(np.mean(delta**2)), rel=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.3])
def test_wide_profile_chi_1_is_one_with_the_leaky_variance_and_one_plus_alpha_squared_with_he(alpha):
    leaky = leaky_relu.wide_backward_profile(alpha, 5, width=8, seeds=(0,), init="he_leaky")
    he = leaky_relu.wide_backward_profile(alpha, 5, width=8, seeds=(0,), init="he")
    assert leaky.sigma_w2 == pytest.approx(2 / (1 + alpha**2))
    assert leaky.chi_1 == pytest.approx(1.0, abs=1e-12)
    assert he.chi_1 == pytest.approx(1 + alpha**2, abs=1e-12)
    assert he.predicted[0] == pytest.approx((1 + alpha**2) ** 2)  # (L - 1)/2 = 2 layers of chi_1
    assert he.predicted[-1] == 1.0 and np.all(he.relative[:, -1] == 1.0)


@pytest.mark.parametrize(("alpha", "init"), [(0.3, "he"), (0.3, "he_leaky"), (0.1, "he_leaky"), (0.0, "he")])
def test_wide_profile_follows_chi_1_within_finite_width_fluctuations(alpha, init):
    """Slope of the seeds' mean log RMS gradient per layer against 0.5 ln chi_1.

    At width N the log of a layer's squared gradient fluctuates by O(1/N) per
    layer, so after L layers ln(RMS) wanders by about sqrt(L / N) / 2; a fitted
    slope over L layers is then uncertain by about that over L.  We allow four
    times that.  The He run at alpha = 0.3 (0.5 ln 1.09 = 0.043 per layer) is
    then told apart from chi_1 = 1.
    """
    depth, width = 30, 256
    p = leaky_relu.wide_backward_profile(alpha, depth, width=width, init=init)
    layers = np.arange(1, depth + 1)
    mean_log = np.log(p.relative).mean(axis=0)
    slope = -np.polyfit(layers, mean_log, 1)[0]  # growth per layer towards the input
    tol = 4 * math.sqrt(depth / width) / 2 / depth
    assert abs(slope - 0.5 * math.log(p.chi_1)) < tol
    if init == "he" and alpha == 0.3:
        assert abs(slope) > tol
    ratio = p.first_over_last
    assert np.all(np.abs(np.log(ratio / p.predicted[0])) < 3 * math.sqrt(depth / width))


def test_wide_profile_is_cached_read_only_and_describes_itself():
    p = leaky_relu.wide_backward_profile(0.1, 6, width=16)
    assert leaky_relu.wide_backward_profile(0.1, 6, width=16) is p
    assert p.rms.shape == (5, 6) and not p.rms.flags.writeable
    text = leaky_relu.describe_wide_profile(0.1, 6, width=16, n_chains=50)
    assert text.startswith("Alpha 0.1, depth 6.") and "width 16" in text and "chi_1 = 1.010" in text
    assert "exactly 0" in leaky_relu.describe_wide_profile(0.0, 6, width=16, n_chains=50)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 1.0}, "alpha"),
        ({"alpha": -0.1}, "alpha"),
        ({"depth": 1}, "depth"),
        ({"depth": 2.5}, "depth"),
        ({"width": 0}, "width"),
        ({"seeds": ()}, "seeds"),
        ({"seeds": (1, 1)}, "seeds"),
        ({"seeds": (-1,)}, "seeds"),
        ({"init": "xavier"}, "init"),
    ],
)
def test_wide_profile_refuses_bad_arguments(kwargs, match):
    args = {"alpha": 0.1, "depth": 4, "width": 4, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        leaky_relu.wide_backward_profile(args.pop("alpha"), args.pop("depth"), **args)
