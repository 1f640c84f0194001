"""Chapter 12's experiments: activation shapes, residual chains, the four networks, clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special

from vanishing.core import activations, chain, data, mlp

# --------------------------------------------------------------------------
from vanishing.experiments import remedies

# --------------------------------------------------------------------------
# slope_summary: compared with values derived by hand, not with the code
# --------------------------------------------------------------------------
STEP = 1e-4  # grid spacing of slope_summary's default grid


def test_gelu_is_steepest_at_root_two():
    # f'' = phi(x) (2 - x^2) vanishes at x = sqrt(2); f'(sqrt 2) = Phi(sqrt 2) + sqrt(2) phi(sqrt 2).
    s = remedies.slope_summary("gelu")
    r2 = math.sqrt(2.0)
    expected = 0.5 * (1 + math.erf(1.0)) + r2 * math.exp(-1.0) / math.sqrt(2 * math.pi)
    assert s.argmax == pytest.approx(r2, abs=STEP)
    assert s.max_slope == pytest.approx(expected, abs=1e-8)
    assert s.slope_at_origin == 0.5


def test_silu_minimum_is_minus_lambert_w_of_one_over_e():
    # f' = 0  <=>  1 + x + e^x = 0  <=>  x = -1 - W(1/e), and there f(x) = -W(1/e).
    w = float(scipy.special.lambertw(math.exp(-1.0)).real)
    s = remedies.slope_summary("silu")
    assert s.argmin == pytest.approx(-1.0 - w, abs=STEP)
    assert s.min_value == pytest.approx(-w, abs=1e-8)


def test_mish_slope_at_origin_is_three_fifths():
    assert remedies.slope_summary("mish").slope_at_origin == pytest.approx(0.6, abs=1e-15)  # tanh(ln 2)


def test_hard_swish_dip_and_its_jump_in_slope():
    s = remedies.slope_summary("hard_swish")
    # x (x + 3) / 6 has its minimum -3/8 at -3/2, a grid point.
    assert s.argmin == pytest.approx(-1.5, abs=1e-12)
    assert s.min_value == pytest.approx(-0.375, abs=1e-12)
    # (2x + 3) / 6 rises to 3/2 just left of x = 3, where the slope drops to 1.
    assert s.max_slope == pytest.approx(1.5, abs=STEP)
    assert 3 - 2 * STEP < s.argmax < 3


def test_relu6_and_hard_sigmoid_have_flat_slopes():
    r6 = remedies.slope_summary("relu6")
    assert r6.max_slope == 1.0 and r6.min_value == 0.0 and r6.slope_at_origin == 0.0
    hs = remedies.slope_summary("hard_sigmoid")
    assert hs.max_slope == pytest.approx(1 / 6) and hs.slope_at_origin == pytest.approx(1 / 6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"low": 1.0, "high": 1.0}, ValueError, "low must be < high"),
        ({"n": 2}, ValueError, "n must be an integer"),
        ({"low": "a"}, TypeError, "low must be a real number"),
    ],
)
def test_slope_summary_checks_its_grid(kwargs, error, match):
    with pytest.raises(error, match=match):
        remedies.slope_summary("silu", **kwargs)


def test_slope_summary_refuses_unknown_activations():
    with pytest.raises(ValueError, match="name must be one of"):
        remedies.slope_summary("swoosh")


# --------------------------------------------------------------------------
# backward_profile
# --------------------------------------------------------------------------
def test_backward_profile_is_relative_to_the_last_layer():
    r = remedies.backward_profile("relu", 12, np.random.default_rng(0))
    assert r.shape == (12,) and r[-1] == 1.0
    assert np.all((r > 0.1) & (r < 10))  # He initialisation suits ReLU


@pytest.mark.parametrize("name", ["silu", "gelu", "hard_swish"])
def test_smooth_activations_lose_the_gradient_at_the_small_signal_rate(name):
    # Once the forward signal is small, f(z) ~ f'(0) z with f'(0) = 1/2, and He's
    # Var(w) = 2/n gives a per-layer factor sqrt(2) * 1/2 = 0.707 on the backward signal.
    r = remedies.backward_profile(name, 50, np.random.default_rng(0))
    assert r[0] < 1e-3
    assert remedies.per_layer_factor(r[25:]) == pytest.approx(1 / math.sqrt(2), abs=0.02)


def test_depth_profiles_repeat_backward_profile_seed_by_seed():
    prof = remedies.depth_profiles("gelu", 12, (0, 2))
    assert prof.seeds == (0, 2) and prof.backward.shape == prof.forward.shape == (2, 12)
    for row, seed in zip(prof.backward, (0, 2), strict=True):
        np.testing.assert_allclose(row, remedies.backward_profile("gelu", 12, np.random.default_rng(seed)))
    np.testing.assert_array_equal(prof.first_layer, prof.backward[:, 0])
    np.testing.assert_allclose(prof.factor(6), [remedies.per_layer_factor(r[6:]) for r in prof.backward])
    assert np.all(prof.forward > 0)


def test_silu_loses_the_gradient_in_every_one_of_five_seeds():
    # the chapter's claim, across seeds: at depth 50 every SiLU network loses the gradient
    prof = remedies.depth_profiles("silu", 50)
    assert prof.seeds == remedies.SEEDS
    assert np.all(prof.first_layer < 1e-3)
    assert np.median(prof.factor(25)) == pytest.approx(1 / math.sqrt(2), abs=0.02)


@pytest.mark.parametrize(
    ("seeds", "error"),
    [((), ValueError), ((0, 0), ValueError), ((-1,), ValueError), (3, TypeError), ("01", TypeError)],
)
def test_depth_profiles_refuse_bad_seeds(seeds, error):
    with pytest.raises(error, match="seeds"):
        remedies.depth_profiles("relu", 3, seeds)


def test_depth_profiles_factor_needs_two_layers():
    prof = remedies.depth_profiles("relu", 4, (0,))
    with pytest.raises(ValueError, match="start"):
        prof.factor(3)


def test_clipping_runs_record_divergence_and_share_weights_across_settings():
    split = data.digits(np.random.default_rng(0))
    small = {"activation": "relu", "std": 0.3, "depth": 3, "width": 8, "epochs": 2}
    runs = remedies.clipping_runs(split, [(0.01, 10.0)], (0, 1), **small)
    assert list(runs) == [(0.01, 10.0)]
    clipped = runs[(0.01, 10.0)]
    assert [r.seed for r in clipped] == [0, 1]
    for r in clipped:
        assert r.diverged_in is None and r.test_accuracy.shape == (3,)
        direct = remedies.run_network("small init", split, lr=0.01, clip_norm=10.0, seed=r.seed, **small)
        np.testing.assert_array_equal(r.test_accuracy, direct.history.test_accuracy)
        assert r.clipped_steps == direct.history.clipped_steps
    # chapter 12's exploding network overflows in its first epoch without clipping
    exploding = {"activation": "relu", "std": 0.3, "depth": 10, "width": 64, "epochs": 1}
    (run,) = remedies.clipping_runs(split, [(0.01, None)], (0,), **exploding)[(0.01, None)]
    assert run.diverged_in == 1 and run.test_accuracy.size == 0 and np.isnan(run.final_accuracy)


@pytest.mark.parametrize(
    ("settings", "error", "match"),
    [
        ([], ValueError, "settings"),
        ([0.01], TypeError, "settings"),
        ([(0.0, None)], ValueError, "lr"),
        ([(0.01, -1.0)], ValueError, "clip_norm"),
        ("lr", TypeError, "settings"),
    ],
)
def test_clipping_runs_refuse_bad_settings(settings, error, match):
    split = data.digits(np.random.default_rng(0))
    with pytest.raises(error, match=match):
        remedies.clipping_runs(split, settings, (0,), depth=2, width=4, epochs=1)


def test_clipping_runs_refuse_a_non_split():
    with pytest.raises(TypeError, match="split"):
        remedies.clipping_runs("digits", [(0.01, None)])


# --------------------------------------------------------------------------
# chain_first_layer and chain_spread
# --------------------------------------------------------------------------
def _draw(seed, n_chains, depth, scale):
    """The same draws chain_first_layer makes (its documented distribution, in its order)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, scale, (n_chains, depth))
    b = rng.normal(0.0, 1.0, (n_chains, depth))
    x = rng.uniform(-1.0, 1.0, n_chains)
    return w, b, x


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "gelu"])
def test_every_depth_matches_the_chain_backward_pass_and_finite_differences(act, residual):
    depth, n = 8, 30
    got = remedies.chain_first_layer(
        depth, n, np.random.default_rng(4), activation=act, weight_scale=1.5, residual=residual
    )
    w, b, x = _draw(4, n, depth, 1.5)
    h = 1e-6
    for d in range(1, depth + 1):
        g = chain.backward(w[:, :d], b[:, :d], x, 0.0, act, residual=residual)
        np.testing.assert_allclose(got[:, d - 1], np.abs(g.dout_dz[:, 0]), rtol=1e-12, atol=0)
        # da_d/dz_1 = da_d/db_1: central difference in the first bias.
        up, down = b[:, :d].copy(), b[:, :d].copy()
        up[:, 0] += h
        down[:, 0] -= h
        a_up = chain.forward(w[:, :d], up, x, act, residual=residual)[1][:, -1]
        a_down = chain.forward(w[:, :d], down, x, act, residual=residual)[1][:, -1]
        np.testing.assert_allclose(got[:, d - 1], np.abs(a_up - a_down) / (2 * h), rtol=1e-6, atol=1e-9)


def test_zero_weights_pass_the_first_slope_through_skips_and_block_it_without():
    res = remedies.chain_first_layer(6, 5, np.random.default_rng(1), weight_scale=0.0, residual=True)
    plain = remedies.chain_first_layer(6, 5, np.random.default_rng(1), weight_scale=0.0, residual=False)
    _, b, _ = _draw(1, 5, 6, 0.0)
    slope = 1 - np.tanh(b[:, 0]) ** 2  # z_1 = b_1 when w_1 = 0; every later factor is 1 + 0
    np.testing.assert_allclose(res, np.repeat(slope[:, None], 6, axis=1), rtol=1e-14)
    np.testing.assert_allclose(plain[:, 0], slope, rtol=1e-14)
    assert np.all(plain[:, 1:] == 0.0)


def test_long_chains_underflow_quietly():
    g = remedies.chain_first_layer(400, 50, np.random.default_rng(0), weight_scale=0.25)
    assert g.shape == (50, 400) and np.all(np.isfinite(g)) and np.all(g[:, -1] == 0.0)


def test_chain_spread_compares_the_same_chains_with_and_without_skips():
    s = remedies.chain_spread(30, 1.0, np.random.default_rng(5), n_chains=200)
    assert s.depths.tolist() == list(range(1, 31))
    assert s.plain.shape == s.residual.shape == (3, 30)
    assert np.all(s.plain[0] <= s.plain[1]) and np.all(s.plain[1] <= s.plain[2])
    res = remedies.chain_first_layer(30, 200, np.random.default_rng(5), weight_scale=1.0, residual=True)
    np.testing.assert_allclose(s.residual[1], np.median(res, axis=0))
    assert s.plain[0, 0] == s.residual[0, 0]  # depth 1: no skip has acted yet
    assert s.residual[1, -1] > 1e6 * s.plain[1, -1]


def test_chain_spread_draws_once_and_gives_the_quantiles_of_both_chain_kinds_exactly():
    # chain_spread draws the chains once and reuses them with skips: each band must be, bit for bit,
    # the quantiles of chain_first_layer on a fresh generator of the same seed, and the caller's
    # generator must end where one draw of the chains leaves it.
    rng = np.random.default_rng(9)
    s = remedies.chain_spread(12, 2.0, rng, n_chains=40, activation="gelu")
    for residual, band in ((False, s.plain), (True, s.residual)):
        alone = np.random.default_rng(9)
        g = remedies.chain_first_layer(12, 40, alone, activation="gelu", weight_scale=2.0, residual=residual)
        np.testing.assert_array_equal(band, np.quantile(g, (0.1, 0.5, 0.9), axis=0))
        assert rng.bit_generator.state == alone.bit_generator.state
    with pytest.raises(ValueError, match="n_chains"):
        remedies.chain_spread(12, 2.0, rng, n_chains=0)


def test_chain_functions_check_their_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="residual must be True or False"):
        remedies.chain_first_layer(3, 2, rng, residual="yes")
    with pytest.raises(ValueError, match="weight_scale must be in"):
        remedies.chain_first_layer(3, 2, rng, weight_scale=-1.0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        remedies.chain_spread(3, 1.0, 0)


# --------------------------------------------------------------------------
# The four networks
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    return data.digits(np.random.default_rng(0))


def test_build_network_makes_the_five_variants():
    sizes = [5, 6, 6, 3]
    nets = {v: remedies.build_network(v, sizes, "tanh", np.random.default_rng(0)) for v in remedies.VARIANTS}
    assert [n.batch_norm for n in nets.values()] == [False, False, True, False, False]
    assert [n.residual for n in nets.values()] == [False, False, False, True, False]
    assert [n.layer_norm for n in nets.values()] == [False, False, False, False, True]
    # layer norm keeps the small weights of "small init": the same draw
    np.testing.assert_array_equal(nets["layer norm"].weights[1], nets["small init"].weights[1])
    assert np.std(nets["small init"].weights[1]) < 0.1
    big = remedies.build_network("xavier init", [300, 300, 2], "tanh", np.random.default_rng(0))
    assert big.weights[0].var() == pytest.approx(2 / 600, rel=0.03)
    with pytest.raises(ValueError, match="variant must be one of"):
        remedies.build_network("dropout", sizes, "tanh", np.random.default_rng(0))


@pytest.mark.parametrize("variant", remedies.VARIANTS)
def test_each_variant_has_exact_gradients(variant):
    rng = np.random.default_rng(2)
    net = remedies.build_network(variant, [4, 4, 4, 3], "tanh", rng, std=0.5)
    X = rng.normal(size=(6, 4))
    y = rng.integers(0, 3, size=6)
    g = net.loss_and_gradients(X, y, "cross_entropy")
    numeric_grads = mlp.numerical_gradients(net, X, y, "cross_entropy", params=net.weights + net.biases)
    for analytic, numeric in zip(g.weights + g.biases, numeric_grads, strict=True):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


def test_run_network_measures_then_trains(digits):
    run = remedies.run_network("residual", digits, depth=3, width=16, epochs=2, lr=0.01)
    assert run.variant == "residual"
    assert run.delta_std.shape == run.grad_w_norm.shape == (4,)
    assert run.history.loss.shape == (3,) and run.history.loss[-1] < run.history.loss[0]
    # the reported norm is that of the whole gradient at initialisation
    net = remedies.build_network("residual", [64, 16, 16, 16, 10], "tanh", np.random.default_rng(0))
    g = net.loss_and_gradients(digits.X_train, digits.y_train, "cross_entropy")
    assert run.grad_norm == pytest.approx(np.sqrt(sum(np.sum(a * a) for a in g.as_list())), rel=1e-12)


def test_small_initialisation_starves_the_first_layers_and_the_remedies_feed_them(digits):
    runs = {v: remedies.run_network(v, digits, depth=6, width=32, epochs=0) for v in remedies.VARIANTS}
    factor = {v: remedies.per_layer_factor(r.delta_std[:-1]) for v, r in runs.items()}
    assert factor["small init"] < 0.5  # about sqrt(n) * std = sqrt(32) * 0.05 = 0.28 per layer
    for v in ("xavier init", "batch norm", "residual"):
        assert 0.7 < factor[v] < 1.4


def test_clipping_rescues_a_run_that_diverges_without_it(digits):
    kwargs = {"depth": 10, "activation": "relu", "std": 0.3, "lr": 0.01, "epochs": 2}
    with pytest.raises(FloatingPointError) as caught:
        remedies.run_network("small init", digits, **kwargs)
    assert remedies.divergence_epoch(caught.value) == 1
    run = remedies.run_network("small init", digits, clip_norm=10.0, **kwargs)
    assert np.all(np.isfinite(run.history.loss)) and run.history.clipped_steps > 0
    assert run.grad_norm > 100  # the exploding gradient that clipping caps


def test_run_network_checks_its_arguments(digits):
    with pytest.raises(TypeError, match="split must be a vanishing.core.data.Split"):
        remedies.run_network("residual", (digits.X_train, digits.y_train))
    with pytest.raises(ValueError, match="depth must be an integer"):
        remedies.run_network("residual", digits, depth=0)
    with pytest.raises(ValueError, match="std must be in"):
        remedies.run_network("residual", digits, std=0.0)


# --------------------------------------------------------------------------
# per_layer_factor and divergence_epoch
# --------------------------------------------------------------------------
def test_per_layer_factor_of_a_geometric_sequence_is_its_ratio():
    assert remedies.per_layer_factor([1.0, 2.0, 4.0, 8.0]) == pytest.approx(0.5)
    assert remedies.per_layer_factor(3.0 ** np.arange(5)[::-1]) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="at least two values"):
        remedies.per_layer_factor([1.0])
    with pytest.raises(ValueError, match="must be positive"):
        remedies.per_layer_factor([1.0, 0.0])


def test_divergence_epoch_reads_the_training_error():
    # A real diverging run is in test_clipping_rescues_a_run_that_diverges_without_it.
    assert remedies.divergence_epoch(FloatingPointError("training diverged in epoch 12 (x); y")) == 12
    with pytest.raises(ValueError, match="does not come from a diverging training run"):
        remedies.divergence_epoch(FloatingPointError("overflow"))
    with pytest.raises(TypeError, match="error must be a FloatingPointError"):
        remedies.divergence_epoch(ValueError("training diverged in epoch 1"))


def test_modern_lists_registered_activations():
    assert set(remedies.MODERN) <= set(activations.names())


@pytest.mark.parametrize("variant", remedies.VARIANTS)
def test_quick_run_trains_exactly_as_run_network(digits, variant):
    kwargs = {"depth": 3, "width": 16, "epochs": 2, "lr": 0.01, "seed": 3}
    quick = remedies.quick_run(variant, digits, **kwargs)
    full = remedies.run_network(variant, digits, **kwargs)
    assert quick.variant == variant and quick.seed == 3
    np.testing.assert_array_equal(quick.test_accuracy, full.history.test_accuracy)
    np.testing.assert_array_equal(quick.delta_std, full.delta_std)
    np.testing.assert_array_equal(quick.grad_w_norm, full.grad_w_norm)


def test_quick_run_checks_its_arguments(digits):
    with pytest.raises(TypeError, match="split"):
        remedies.quick_run("residual", (digits.X_train, digits.y_train))
    with pytest.raises(ValueError, match="variant"):
        remedies.quick_run("dropout", digits)
    for name, value in (("seed", -1), ("depth", 0), ("epochs", -1), ("lr", 0.0), ("momentum", 1.0)):
        with pytest.raises(ValueError, match=name):
            remedies.quick_run("small init", digits, **{name: value})


def test_seeded_network_run_is_cached_read_only_and_checks_its_arguments():
    run = remedies.seeded_network_run("small init", 4)
    assert remedies.seeded_network_run("small init", 4) is run
    assert run.test_accuracy.shape == (9,) and not run.test_accuracy.flags.writeable
    assert run.test_accuracy[-1] < 0.2  # the badly initialised network stays near chance
    with pytest.raises(ValueError, match="variant"):
        remedies.seeded_network_run("dropout", 0)
    with pytest.raises(ValueError, match="seed"):
        remedies.seeded_network_run("residual", -1)


# --------------------------------------------------------------------------
# Residual networks with scaled branches
# --------------------------------------------------------------------------
def _residual_net(sizes=(4, 4, 4, 4, 3), activation="tanh", seed=5, std=0.7):
    rng = np.random.default_rng(seed)
    net = mlp.MLP.initialise(list(sizes), activation, "normal", rng, std=std, residual=True)
    for b in net.biases:
        b[:] = rng.normal(0.0, 0.3, b.shape)  # non-zero biases, so their gradients are tested too
    X = rng.normal(size=(7, sizes[0]))
    y = rng.integers(0, sizes[-1], size=7)
    return net, X, y


def test_scaled_residual_pass_with_scale_one_is_the_mlp_residual_network():
    net, X, y = _residual_net()
    p = remedies.scaled_residual_pass(net, X, y, 1.0)
    g = net.loss_and_gradients(X, y, "cross_entropy")
    assert p.loss == pytest.approx(g.loss, rel=1e-13)
    for mine, theirs in zip(p.grad_weights + p.grad_biases, g.weights + g.biases, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("scale", [0.3, 2.0])
def test_scaled_residual_pass_matches_finite_differences(scale):
    net, X, y = _residual_net()
    p = remedies.scaled_residual_pass(net, X, y, scale)
    h = 1e-6
    for analytic, param in zip(p.grad_weights + p.grad_biases, net.weights + net.biases, strict=True):
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + h
            up = remedies.scaled_residual_pass(net, X, y, scale).loss
            param[idx] = old - h
            down = remedies.scaled_residual_pass(net, X, y, scale).loss
            param[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


def test_scaled_residual_pass_activation_gradients_match_finite_differences():
    # one step of the backward recursion, written out by hand:
    # dL/dA_1 = dL/dA_2 + s (dL/dA_2 * f'(Z_2)) W_2^T, the transpose of I + s W_2 diag(f'(Z_2))
    net, X, y = _residual_net()
    s = 0.4
    p = remedies.scaled_residual_pass(net, X, y, s)
    z2 = p.activations[0] @ net.weights[1] + net.biases[1]
    expected = p.activation_grads[1] + s * (p.activation_grads[1] * (1 - np.tanh(z2) ** 2)) @ net.weights[1].T
    np.testing.assert_allclose(p.activation_grads[0], expected, rtol=1e-12)


def test_zero_scale_makes_every_square_layer_the_identity():
    net, X, y = _residual_net()
    p = remedies.scaled_residual_pass(net, X, y, 0.0)
    for a in p.activations:
        np.testing.assert_array_equal(a, X)
    for g in p.activation_grads:
        np.testing.assert_array_equal(g, p.activation_grads[-1])
    assert all(np.all(gw == 0) for gw in p.grad_weights[:-1])  # the branches receive no gradient


def test_a_non_square_first_layer_has_no_skip():
    net, X, y = _residual_net(sizes=(3, 4, 4, 2))
    p = remedies.scaled_residual_pass(net, X, y, 0.0)
    np.testing.assert_allclose(p.activations[0], np.tanh(X @ net.weights[0] + net.biases[0]))
    np.testing.assert_array_equal(p.activations[1], p.activations[0])


def test_scaled_residual_pass_checks_its_arguments():
    net, X, y = _residual_net()
    with pytest.raises(TypeError, match="net must be"):
        remedies.scaled_residual_pass("net", X, y, 1.0)
    with pytest.raises(ValueError, match="branch_scale"):
        remedies.scaled_residual_pass(net, X, y, -0.5)
    with pytest.raises(ValueError, match="X must have shape"):
        remedies.scaled_residual_pass(net, X[:, :2], y, 1.0)
    bn = mlp.MLP.initialise([4, 4, 3], "tanh", "xavier_normal", np.random.default_rng(0), batch_norm=True)
    with pytest.raises(ValueError, match="net must have no normalisation"):
        remedies.scaled_residual_pass(bn, X, y, 1.0)


def test_unscaled_branches_grow_the_signal_and_scaled_ones_keep_it_bounded():
    plain = remedies.residual_scaling(12, 1.0, (0, 1), width=16)
    scaled = remedies.residual_scaling(12, 1 / np.sqrt(12), (0, 1), width=16)
    assert plain.activation_std.shape == plain.gradient_std.shape == (2, 12)
    assert plain.first_weight_grad.shape == (2,)
    grow = plain.activation_std[:, -1] / plain.activation_std[:, 0]
    grow_scaled = scaled.activation_std[:, -1] / scaled.activation_std[:, 0]
    assert np.all(grow > 1.5) and np.all(grow_scaled < grow)
    back = plain.gradient_std[:, 0] / plain.gradient_std[:, -1]
    back_scaled = scaled.gradient_std[:, 0] / scaled.gradient_std[:, -1]
    assert np.all(back > 2.0) and np.all(back_scaled < back)
    with pytest.raises(ValueError, match="branch_scale"):
        remedies.residual_scaling(3, -1.0)
    with pytest.raises(ValueError, match="seeds"):
        remedies.residual_scaling(3, 1.0, ())
