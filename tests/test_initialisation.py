"""Initialisation scales, and their effect on a deep network at initialisation."""

import numpy as np
import pytest

from vanishing.core import activations, chain, diagnostics, initialisation
from vanishing.core import initialisation as ini
from vanishing.experiments import weight_scale


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("xavier_normal", 2 / 700),
        ("xavier_uniform", 2 / 700),
        ("he_normal", 2 / 400),
        ("he_uniform", 2 / 400),
        ("lecun_normal", 1 / 400),
        ("torch_default", 1 / 1200),
    ],
)
def test_weight_variance_formula_matches_the_samples(scheme, expected):
    assert ini.weight_variance(scheme, 400, 300) == pytest.approx(expected)
    sample = initialisation.init_weights(400, 300, scheme, np.random.default_rng(0))
    assert sample.var() == pytest.approx(expected, rel=0.03)


def test_normal_scheme_needs_std():
    assert ini.weight_variance("normal", 3, 4, std=0.5) == 0.25
    with pytest.raises(ValueError, match="std must be given"):
        ini.weight_variance("normal", 3, 4)
    with pytest.raises(ValueError, match="scheme must be one of"):
        ini.weight_variance("glorot", 3, 4)


def test_profile_shapes_and_the_three_regimes_of_tanh():
    rng = np.random.default_rng
    small = diagnostics.profile("tanh", "normal", depth=15, width=128, rng=rng(0), std=0.01)
    xavier = diagnostics.profile("tanh", "xavier_normal", depth=15, width=128, rng=rng(0))
    large = diagnostics.profile("tanh", "normal", depth=15, width=128, rng=rng(0), std=1.0)
    assert small.layers.tolist() == list(range(1, 16)) and small.act_std.shape == (15,)
    assert small.act_std[-1] < 1e-10  # the signal dies on the way forward
    assert 0.05 < xavier.act_std[-1] < 1.0  # and survives with Xavier
    assert large.act_std[-1] > 0.9  # saturated: outputs pinned near +-1
    # Backward: in the saturated network the gradient explodes towards the input.
    assert large.delta_std[0] / large.delta_std[-1] > 1e4
    assert 0.01 < xavier.delta_std[0] / xavier.delta_std[-1] < 10


def test_he_keeps_relu_activations_at_a_steady_scale_and_xavier_halves_them():
    rng = np.random.default_rng
    he = [
        diagnostics.profile("relu", "he_normal", depth=20, width=256, rng=rng(s)).act_std[-1]
        for s in range(3)
    ]
    xa = [
        diagnostics.profile("relu", "xavier_normal", depth=20, width=256, rng=rng(s)).act_std[-1]
        for s in range(3)
    ]
    assert 0.3 < np.mean(he) < 3.0
    assert np.mean(xa) < 0.01  # about 2 ** -10 of He's, one factor sqrt(1/2) per layer


# -- chapter 4: scale profiles --------------------------------------------------
def test_scale_one_is_the_xavier_profile():
    a = weight_scale.scale_profile(1.0, depth=6, width=32, rng=np.random.default_rng(3), n_samples=64)
    b = diagnostics.profile(
        "tanh", "xavier_normal", depth=6, width=32, rng=np.random.default_rng(3), n_samples=64
    )
    np.testing.assert_allclose(a.act_std, b.act_std, rtol=1e-12)
    np.testing.assert_allclose(a.delta_std, b.delta_std, rtol=1e-12)


def test_small_scale_shrinks_the_signal_by_about_the_scale_per_layer():
    # In tanh's linear regime each square layer multiplies the activation std by `scale`.
    p = weight_scale.scale_profile(0.5, depth=12, width=256, rng=np.random.default_rng(0))
    ratios = p.act_std[4:] / p.act_std[3:-1]
    assert np.all(np.abs(ratios - 0.5) < 0.05)
    back = p.delta_std[3:-1] / p.delta_std[4:]
    assert np.all(np.abs(back - 0.5) < 0.05)


def test_scale_profile_rejects_bad_scale():
    with pytest.raises(ValueError, match="scale must be in"):
        weight_scale.scale_profile(0.0, depth=3, width=4, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="scale must be a real number"):
        weight_scale.scale_profile("1", depth=3, width=4, rng=np.random.default_rng(0))


# -- chapter 4: where the slopes are small ---------------------------------------
def test_slope_windows_match_closed_forms_derived_independently():
    # tanh'(x) = 1/cosh^2 x = 0.1  <=>  x = arccosh(sqrt 10) = ln(3 + sqrt 10)
    assert weight_scale.slope_window("tanh", 0.1) == pytest.approx(np.log(3 + np.sqrt(10)), rel=1e-14)
    # sigma'(x) = 0.1  <=>  e^x = 4 + sqrt 15 (a quadratic in e^x)
    assert weight_scale.slope_window("sigmoid", 0.1) == pytest.approx(np.log(4 + np.sqrt(15)), rel=1e-14)
    assert weight_scale.slope_window("tanh", 1.0) == 0.0 and weight_scale.slope_window("sigmoid", 0.25) == 0.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@pytest.mark.parametrize("level", [0.2, 0.1, 0.01, 1e-6])
def test_the_slope_equals_the_level_at_the_window_edge(name, level):

    act = activations.get(name)
    xc = weight_scale.slope_window(name, level)
    assert act.derivative(np.array([-xc, xc])) == pytest.approx([level, level], rel=1e-9)
    # and it is above the level just inside, below just outside
    assert np.all(act.derivative(np.array([-0.99 * xc, 0.99 * xc])) > level)
    assert np.all(act.derivative(np.array([-1.01 * xc, 1.01 * xc])) < level)


def test_slope_window_agrees_with_sympy():
    import sympy as sp

    x = activations.x
    tanh_prime = sp.diff(activations.get("tanh").expr(), x)
    roots = sp.solveset(sp.Eq(tanh_prime, sp.Rational(1, 10)), x, domain=sp.S.Reals)
    assert max(float(r) for r in roots) == pytest.approx(weight_scale.slope_window("tanh", 0.1), rel=1e-12)


def test_saturated_share():
    assert weight_scale.saturated_share("tanh", 0.1, 5.0) == pytest.approx(1 - np.log(3 + np.sqrt(10)) / 5)
    assert weight_scale.saturated_share("tanh", 0.1, 1.0) == 0.0  # the whole interval is inside the window
    # tanh(x) = 2 sigma(2x) - 1, so tanh' at level c has half the window of sigma' at level c / 4
    assert weight_scale.slope_window("tanh", 0.1) == pytest.approx(
        weight_scale.slope_window("sigmoid", 0.025) / 2
    )


def test_slope_window_rejects_bad_input():
    with pytest.raises(ValueError, match="activation must be 'sigmoid' or 'tanh'"):
        weight_scale.slope_window("relu", 0.1)
    with pytest.raises(ValueError, match="level must be in"):
        weight_scale.slope_window("sigmoid", 0.3)  # the sigmoid's slope never exceeds 1/4
    with pytest.raises(ValueError, match="level must be in"):
        weight_scale.slope_window("tanh", 0.0)
    with pytest.raises(ValueError, match="half_width must be in"):
        weight_scale.saturated_share("tanh", 0.1, -1.0)


# -- chapter 4: sigmoid against tanh chains ----------------------------------------
def _draw_chains(max_depth, n_chains, bound, seed):
    """The draw chain.first_layer_gradients makes, repeated in the same order."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(-bound, bound, (n_chains, max_depth))
    b = rng.normal(0.0, 1.0, (n_chains, max_depth))
    x = rng.uniform(-1.0, 1.0, n_chains)
    return w, b, x


def test_compare_chains_uses_the_same_chains_for_every_activation():

    comp = weight_scale.compare_chains(5, 2.0, 4, n_chains=50)
    w, b, x = _draw_chains(5, 50, 2.0, 4)
    z1 = w[:, 0] * x + b[:, 0]
    np.testing.assert_allclose(comp.first["sigmoid"], activations.get("sigmoid").derivative(z1), rtol=1e-13)
    np.testing.assert_allclose(comp.first["tanh"], activations.get("tanh").derivative(z1), rtol=1e-13)
    assert comp.quantiles["tanh"].shape == (3, 5) and comp.depths.tolist() == [1, 2, 3, 4, 5]
    assert np.all(np.diff(comp.quantiles["tanh"], axis=0) >= 0)  # 10th <= 50th <= 90th


def test_compare_chains_matches_a_finite_difference():
    # d a_D / d z_1 = d a_D / d b_1, since z_1 = w_1 x + b_1.  Depth 3 keeps the
    # gradients large enough (> 1e-5) for a relative comparison at step 1e-6.

    depth, h = 3, 1e-6
    comp = weight_scale.compare_chains(depth, 1.5, 2, n_chains=20)
    w, b, x = _draw_chains(depth, 20, 1.5, 2)
    for name in ("sigmoid", "tanh"):
        up, down = b.copy(), b.copy()
        up[:, 0] += h
        down[:, 0] -= h
        numeric = (chain.forward(w, up, x, name)[1][:, -1] - chain.forward(w, down, x, name)[1][:, -1]) / (
            2 * h
        )
        assert comp.last[name].min() > 1e-5
        np.testing.assert_allclose(comp.last[name], np.abs(numeric), rtol=1e-5)


def test_per_layer_factor_is_the_geometric_mean_rate():
    comp = weight_scale.ChainComparison(
        depths=np.arange(1, 6),
        quantiles={},
        first={"a": np.array([1.0, 2.0])},
        last={"a": np.array([0.5**4, 2.0 * 0.125**4])},
    )
    assert comp.per_layer_factor("a") == pytest.approx(np.sqrt(0.5 * 0.125))
    with pytest.raises(ValueError, match="name must be one of"):
        comp.per_layer_factor("b")


def test_tanh_chains_keep_more_gradient_than_sigmoid_chains_with_unit_weights():
    comp = weight_scale.compare_chains(20, 1.0)
    assert comp.per_layer_factor("tanh") > 1.5 * comp.per_layer_factor("sigmoid")
    assert comp.per_layer_factor("tanh") < 1.0  # but it still vanishes


def test_compare_chains_rejects_bad_input():
    with pytest.raises(ValueError, match="weight_bound must be in"):
        weight_scale.compare_chains(5, 0.0)
    with pytest.raises(ValueError, match="activations must be a non-empty sequence"):
        weight_scale.compare_chains(5, 1.0, activations="tanh")


# -- chapter 4: zero-centred inputs ----------------------------------------------------
def test_single_orthant_share_counts_gradients_of_one_sign():
    inputs = np.array([[1.0, 2.0], [1.0, -2.0], [0.5, 0.5], [-1.0, -3.0]])
    deltas = np.array([-3.0, 1.0, 0.0, 2.0])
    # row 0: (-3, -6) one sign; row 1 mixed; row 2 zero error: no sign; row 3: (-2, -6) one sign
    assert weight_scale.single_orthant_share(inputs, deltas) == 0.5
    positive = np.random.default_rng(0).uniform(0.1, 1.0, (100, 8))
    errors = np.random.default_rng(1).normal(size=100)
    assert weight_scale.single_orthant_share(positive, errors) == 1.0


def test_single_orthant_share_rejects_bad_shapes():
    with pytest.raises(ValueError, match="inputs must be a"):
        weight_scale.single_orthant_share(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="deltas must have shape"):
        weight_scale.single_orthant_share(np.ones((3, 2)), np.ones(2))


def test_sgd_step_is_minus_eta_times_a_finite_difference_gradient():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, 4))
    t = rng.normal(size=3)
    w0 = rng.normal(size=4)
    path = weight_scale.sgd_path(X, t, 0.1, w0=w0)
    assert path.shape == (4, 4)
    np.testing.assert_array_equal(path[0], w0)
    loss = lambda w: 0.5 * (w @ X[0] - t[0]) ** 2  # noqa: E731
    h = 1e-6
    grad = np.array([(loss(w0 + h * e) - loss(w0 - h * e)) / (2 * h) for e in np.eye(4)])
    np.testing.assert_allclose(path[1], w0 - 0.1 * grad, rtol=1e-8, atol=1e-10)


def test_sgd_path_reaches_the_target_faster_with_centred_inputs():
    rng = np.random.default_rng(1)
    target = np.array([1.0, -1.0])
    pos = rng.uniform(0.0, 1.0, (200, 2))
    cen = rng.uniform(-1.0, 1.0, (200, 2))
    dist = {
        name: np.linalg.norm(weight_scale.sgd_path(X, X @ target, 0.5) - target, axis=1)
        for name, X in (("pos", pos), ("cen", cen))
    }
    first = {name: int(np.argmax(d < 0.1)) for name, d in dist.items()}
    assert dist["pos"][-1] < 0.1 and dist["cen"][-1] < 0.1
    assert first["cen"] * 3 < first["pos"]
    steps = np.diff(weight_scale.sgd_path(pos, pos @ target, 0.5), axis=0)
    assert np.all(np.sign(steps[:, 0]) == np.sign(steps[:, 1]))  # each step is along (+,+) or (-,-)


def test_sgd_path_rejects_bad_input():
    with pytest.raises(ValueError, match="targets must have shape"):
        weight_scale.sgd_path(np.ones((3, 2)), np.ones(2), 0.1)
    with pytest.raises(ValueError, match="eta must be in"):
        weight_scale.sgd_path(np.ones((3, 2)), np.ones(3), -0.1)
    with pytest.raises(ValueError, match="w0 must have shape"):
        weight_scale.sgd_path(np.ones((3, 2)), np.ones(3), 0.1, w0=np.zeros(3))


# -- chapter 4: the infinite-width prediction -------------------------------------------
def test_gauss_expect_reproduces_normal_moments():
    assert weight_scale.gauss_expect(lambda z: z**2, 2.5) == pytest.approx(2.5, rel=1e-13)
    assert weight_scale.gauss_expect(lambda z: z**4, 2.5) == pytest.approx(3 * 2.5**2, rel=1e-13)
    assert weight_scale.gauss_expect(np.cos, 1.0) == pytest.approx(np.exp(-0.5), rel=1e-13)  # E[cos Z]
    assert weight_scale.gauss_expect(lambda z: z**2, 0.0) == 0.0
    with pytest.raises(TypeError, match="fn must be callable"):
        weight_scale.gauss_expect(3.0, 1.0)


def test_mean_field_tanh_predicts_a_wide_network():
    v, g = weight_scale.mean_field_tanh(1.5, 10)
    p = weight_scale.scale_profile(1.5, depth=10, width=512, rng=np.random.default_rng(0))
    np.testing.assert_allclose(np.sqrt(v), p.act_std, rtol=0.02)
    predicted = np.sqrt(np.prod(g[:-1]))  # std of dL/dZ_1 over that of dL/dZ_10
    assert p.delta_std[0] / p.delta_std[-1] == pytest.approx(predicted, rel=0.1)


def test_mean_field_tanh_small_variance_limit():
    # For small q, E[tanh(z)^2] = q - 2 q^2 + O(q^3) and E[tanh'(z)^2] = 1 - 2 q + O(q^2).
    v, g = weight_scale.mean_field_tanh(1.0, 1, input_variance=1e-4)
    assert v[0] == pytest.approx(1e-4 - 2e-8, rel=1e-6)
    assert g[0] == pytest.approx(1 - 2e-4, rel=1e-7)


def _normal_expectation(fn, variance):
    """E[fn(Z)], Z ~ N(0, variance), by adaptive quadrature in z (independent of gauss_expect)."""
    from scipy import integrate

    s = np.sqrt(variance)
    density = lambda z: np.exp(-0.5 * z * z / variance) / np.sqrt(2 * np.pi * variance)  # noqa: E731
    value, _ = integrate.quad(
        lambda z: fn(z) * density(z), -14 * s, 14 * s, points=[0.0], limit=500, epsabs=1e-15, epsrel=1e-13
    )
    return value


@pytest.mark.parametrize("variance", [0.3, 4.0, 16.0, 60.0])
def test_gauss_expect_resolves_tanh_at_every_spread(variance):
    # A fixed 101-node Gauss-Hermite rule is 9 % off for E[tanh'(Z)^2] at variance 16.
    sech4 = lambda z: (1.0 - np.tanh(z) ** 2) ** 2  # noqa: E731
    tanh2 = lambda z: np.tanh(z) ** 2  # noqa: E731
    assert weight_scale.gauss_expect(sech4, variance) == pytest.approx(
        _normal_expectation(sech4, variance), rel=1e-10
    )
    assert weight_scale.gauss_expect(tanh2, variance) == pytest.approx(
        _normal_expectation(tanh2, variance), rel=1e-10
    )


def test_gauss_expect_rejects_bad_input():
    with pytest.raises(ValueError, match="variance must be in"):
        weight_scale.gauss_expect(np.cos, -1.0)
    with pytest.raises(ValueError, match="step must be in"):
        weight_scale.gauss_expect(np.cos, 1.0, step=0.0)


def test_mean_field_tanh_rejects_bad_input():
    with pytest.raises(ValueError, match="scale must be in"):
        weight_scale.mean_field_tanh(0.0, 3)
    with pytest.raises(ValueError, match="depth must be an integer in"):
        weight_scale.mean_field_tanh(1.0, 0)
    with pytest.raises(ValueError, match="input_variance must be in"):
        weight_scale.mean_field_tanh(1.0, 3, input_variance=-0.5)


# -- chapter 4: forward and backward gains of a linear stack ------------------------
def test_linear_gains_match_the_drawn_matrices():
    # For standard normal rows A, Var((A W)_k) = sum_j W_jk^2, so the first forward gain is
    # ||W_1||_F^2 / n_out; likewise the last backward gain is ||W_L||_F^2 / n_in.
    widths = [200, 50, 120]
    g = weight_scale.linear_gains(widths, "xavier_normal", np.random.default_rng(3), n_samples=20_000)
    assert [W.shape for W in g.weights] == [(200, 50), (50, 120)]
    assert g.forward.shape == g.backward.shape == (2,)
    assert g.forward[0] == pytest.approx(np.sum(g.weights[0] ** 2) / 50, rel=0.03)
    assert g.backward[-1] == pytest.approx(np.sum(g.weights[-1] ** 2) / 50, rel=0.03)


def test_linear_gains_follow_the_xavier_compromise():
    # Var(w) = 2 / (m + n): forward gain 2m / (m + n), backward gain 2n / (m + n).
    widths = [256, 64, 256, 64]
    g = weight_scale.linear_gains(widths, "xavier_uniform", np.random.default_rng(0))
    for i, (m, n) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        assert g.forward[i] == pytest.approx(2 * m / (m + n), rel=0.1)
        assert g.backward[i] == pytest.approx(2 * n / (m + n), rel=0.1)
    square = weight_scale.linear_gains([128] * 4, "lecun_normal", np.random.default_rng(1))
    np.testing.assert_allclose(square.forward, 1.0, rtol=0.1)
    np.testing.assert_allclose(square.backward, 1.0, rtol=0.1)


def test_linear_gains_rejects_bad_input():
    with pytest.raises(ValueError, match="widths must be a sequence of at least two"):
        weight_scale.linear_gains([64], "xavier_normal", np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"widths\[1\] must be an integer"):
        weight_scale.linear_gains([64, 0], "xavier_normal", np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        weight_scale.linear_gains([64, 32], "xavier_normal", 0)


def test_torch_default_is_a_third_of_lecuns_variance_and_its_gains_check_their_input():
    assert ini.weight_variance("torch_default", 300, 7) == pytest.approx(
        ini.weight_variance("lecun_normal", 300, 7) / 3
    )
    assert ini.torch_linear_bound(100) == pytest.approx(0.1)
    assert ini.torch_lstm_bound(64) == pytest.approx(0.125)
    assert ini.torch_gain("leaky_relu", 0.0) == pytest.approx(ini.torch_gain("relu"))
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        ini.torch_gain("gelu")
    with pytest.raises(ValueError, match="n_in"):
        ini.torch_linear_bound(0)
    with pytest.raises(TypeError, match="negative_slope"):
        ini.torch_gain("leaky_relu", "0.1")
