"""Chapter 8: Gaussian moments of the ELU family, SELU's fixed point, and the deep-network experiments."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special

from vanishing.core import activations, mlp
from vanishing.experiments import self_normalising

ALPHA, LAM = activations.SELU_ALPHA, activations.SELU_LAMBDA


def _quad_moments(m, v, alpha, scale):
    """E[f], E[f^2] by adaptive quadrature around the mass of N(m, v)."""
    f = activations.get("elu", alpha=alpha) if alpha > 0 else activations.get("relu")
    s = np.sqrt(v)

    def dens(z):
        return np.exp(-0.5 * ((z - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))

    lo, hi = m - 12 * s, m + 12 * s
    pts = [0.0] if lo < 0 < hi else None
    e1 = integrate.quad(lambda z: scale * float(f.forward(np.array(z))) * dens(z), lo, hi, points=pts)[0]
    e2 = integrate.quad(lambda z: (scale * float(f.forward(np.array(z)))) ** 2 * dens(z), lo, hi, points=pts)[
        0
    ]
    return e1, e2


# -- Gaussian moments -----------------------------------------------------------
@pytest.mark.parametrize(
    ("m", "v", "alpha", "scale"),
    [
        (0.0, 1.0, 1.0, 1.0),
        (0.3, 0.7, 0.5, 1.0),
        (-2.0, 0.5, ALPHA, LAM),
        (5.0, 4.0, 2.0, 1.0),
        (-1.0, 9.0, 0.0, 1.0),
    ],
)
def test_moments_match_quadrature(m, v, alpha, scale):
    got = self_normalising.elu_gaussian_moments(m, v, alpha=alpha, scale=scale)
    want = _quad_moments(m, v, alpha, scale)
    np.testing.assert_allclose([float(g) for g in got], want, rtol=1e-9, atol=1e-12)


def test_relu_moments_are_the_textbook_values():
    e1, e2 = self_normalising.elu_gaussian_moments(0.0, 1.0, alpha=0.0)
    assert float(e1) == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-14)
    assert float(e2) == pytest.approx(0.5, rel=1e-14)


def test_derivative_of_the_mean_is_the_mean_slope():
    """d/dm E[f(z)] = E[f'(z)] for z ~ N(m, v): a finite-difference check of the closed form."""
    f = activations.get("elu", alpha=ALPHA)

    def mean_slope(m, s):
        def integrand(z):
            return (
                LAM
                * float(f.derivative(np.array(z)))
                * np.exp(-0.5 * ((z - m) / s) ** 2)
                / (s * np.sqrt(2 * np.pi))
            )

        return integrate.quad(integrand, m - 12 * s, m + 12 * s, points=[0.0])[0]

    for m, v in [(0.2, 1.3), (-1.5, 0.4)]:
        h = 1e-5
        num = (
            self_normalising.elu_gaussian_moments(m + h, v, alpha=ALPHA, scale=LAM)[0]
            - self_normalising.elu_gaussian_moments(m - h, v, alpha=ALPHA, scale=LAM)[0]
        ) / (2 * h)
        assert float(num) == pytest.approx(mean_slope(m, np.sqrt(v)), rel=1e-7)


def test_extreme_inputs_neither_overflow_nor_lose_the_limits():
    m = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    for v in (1e-6, 1.0, 900.0):
        e1, e2 = self_normalising.elu_gaussian_moments(m, v, alpha=ALPHA, scale=LAM)
        assert np.all(np.isfinite(e1)) and np.all(np.isfinite(e2))
    e1, e2 = self_normalising.elu_gaussian_moments(-800.0, 1.0, alpha=ALPHA, scale=LAM)
    assert float(e1) == pytest.approx(-LAM * ALPHA) and float(e2) == pytest.approx((LAM * ALPHA) ** 2)
    e1, _ = self_normalising.elu_gaussian_moments(800.0, 1.0, alpha=ALPHA, scale=LAM)
    assert float(e1) == pytest.approx(800.0 * LAM)


def test_moments_refuse_bad_input():
    with pytest.raises(ValueError, match="var must be positive"):
        self_normalising.elu_gaussian_moments(0.0, 0.0, alpha=1.0)
    with pytest.raises(ValueError, match="alpha must be in"):
        self_normalising.elu_gaussian_moments(0.0, 1.0, alpha=-1.0)
    with pytest.raises(TypeError, match="mean must hold real numbers"):
        self_normalising.elu_gaussian_moments("a", 1.0, alpha=1.0)


# -- the fixed point --------------------------------------------------------------
def test_published_constants_make_zero_one_a_fixed_point():
    m, v = self_normalising.moment_map(0.0, 1.0)
    assert abs(float(m)) < 1e-15 and abs(float(v) - 1) < 1e-14


def test_paper_closed_form_of_alpha01_and_lambda01():
    """Klambauer et al., eq. 14, evaluated independently of the library."""
    e = np.e
    c = special.erfc(1 / np.sqrt(2))
    alpha01 = -np.sqrt(2 / np.pi) / (c * np.exp(0.5) - 1)
    lam01 = (
        (1 - c * np.sqrt(e))
        * np.sqrt(2 * np.pi)
        * (
            2 * special.erfc(np.sqrt(2)) * e**2
            + np.pi * c**2 * e
            - 2 * (2 + np.pi) * c * np.sqrt(e)
            + np.pi
            + 2
        )
        ** -0.5
    )
    assert alpha01 == pytest.approx(ALPHA, rel=1e-14)
    assert lam01 == pytest.approx(LAM, rel=1e-14)


def test_numeric_solve_recovers_the_constants_and_other_fixed_points():
    a, lam = self_normalising.fixed_point_parameters(0.0, 1.0)
    assert abs(a - ALPHA) < 1e-12 and abs(lam - LAM) < 1e-12
    a2, lam2 = self_normalising.fixed_point_parameters(0.0, 2.0)
    m, v = self_normalising.moment_map(0.0, 2.0, alpha=a2, lam=lam2)
    assert abs(float(m)) < 1e-10 and abs(float(v) - 2.0) < 1e-10
    with pytest.raises(ValueError, match="nu must be in"):
        self_normalising.fixed_point_parameters(0.0, -1.0)


def test_jacobian_matches_the_paper_and_sympy():
    J = self_normalising.jacobian(0.0, 1.0)
    # Klambauer et al. (2017), eq. 6: J(0, 1) = [[0, 0.088834], [0, 0.782648]], spectral norm 0.7877.
    np.testing.assert_allclose(J, [[0.0, 0.088834], [0.0, 0.782648]], atol=1e-6)
    assert self_normalising.spectral_norm(J) == pytest.approx(0.7877, abs=5e-5)
    # SymPy: differentiate the exact Gaussian integrals with respect to nu (omega = 0, tau = 1).
    z = sp.Symbol("z", real=True)
    nu = sp.Symbol("nu", positive=True)
    a, lam = sp.Float(ALPHA, 30), sp.Float(LAM, 30)
    dens = sp.exp(-(z**2) / (2 * nu)) / sp.sqrt(2 * sp.pi * nu)
    mean = lam * (
        sp.integrate(z * dens, (z, 0, sp.oo)) + a * sp.integrate((sp.exp(z) - 1) * dens, (z, -sp.oo, 0))
    )
    second = lam**2 * (
        sp.integrate(z**2 * dens, (z, 0, sp.oo))
        + a**2 * sp.integrate((sp.exp(z) - 1) ** 2 * dens, (z, -sp.oo, 0))
    )
    var = second - mean**2
    for point in (1.0, 1.5):
        want = [float(sp.diff(mean, nu).subs(nu, point)), float(sp.diff(var, nu).subs(nu, point))]
        np.testing.assert_allclose(self_normalising.jacobian(0.0, point)[:, 1], want, rtol=1e-7)


def test_jacobian_with_nonzero_omega_is_stable_in_the_step():
    J1 = self_normalising.jacobian(0.05, 1.2, omega=0.1, tau=1.05, h=1e-4)
    J2 = self_normalising.jacobian(0.05, 1.2, omega=0.1, tau=1.05, h=1e-5)
    np.testing.assert_allclose(J1, J2, atol=1e-8)
    assert abs(J1[0, 0]) > 0.01  # with omega != 0 the new mean depends on the old one


def test_spectral_norm_known_values():
    assert self_normalising.spectral_norm([[3.0, 0.0], [4.0, 0.0]]) == pytest.approx(5.0)
    assert self_normalising.spectral_norm(np.diag([0.5, -2.0])) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="2-D"):
        self_normalising.spectral_norm([1.0, 2.0])


def test_theorem_1_domain_contracts():
    """Spot check of Klambauer et al.'s Theorem 1: spectral norm < 1 on a grid of its domain."""
    for mu in (-0.1, 0.1):
        for omega in (-0.1, 0.1):
            for nu in (0.8, 1.5):
                for tau in (0.95, 1.1):
                    assert (
                        self_normalising.spectral_norm(
                            self_normalising.jacobian(mu, nu, omega=omega, tau=tau)
                        )
                        < 1.0
                    )


def test_variance_bounds_of_theorems_2_and_3():
    for mu, nu in [(-1.0, 3.0), (1.0, 16.0), (0.5, 8.0)]:
        for tau in (0.8, 1.25):
            assert float(self_normalising.moment_map(mu, nu, omega=0.1, tau=tau)[1]) < nu
    for nu in (0.02, 0.16):
        for tau in (0.8, 1.25):
            assert float(self_normalising.moment_map(0.1, nu, omega=-0.1, tau=tau)[1]) > nu


def test_pooled_map_agrees_with_the_paper_map_where_it_should():
    a = self_normalising.pooled_moment_map(0.0, 1.3, tau=1.1)
    b = self_normalising.moment_map(0.0, 1.3, omega=0.0, tau=1.1)
    np.testing.assert_allclose([float(x) for x in a], [float(x) for x in b], rtol=1e-15)
    c = self_normalising.pooled_moment_map(0.6, 1.3)
    d = self_normalising.moment_map(0.0, 1.3 + 0.36)
    np.testing.assert_allclose([float(x) for x in c], [float(x) for x in d], rtol=1e-14)


def test_trajectory_converges_and_checks_its_arguments():
    mu, nu = self_normalising.trajectory(0.1, 1.4, 30)
    assert mu.shape == nu.shape == (31,)
    assert abs(mu[-1]) < 1e-3 and abs(nu[-1] - 1) < 1e-3
    mu, nu = self_normalising.trajectory(0.0, 9.0, 40, pooled=True)
    assert abs(nu[-1] - 1) < 1e-3
    with pytest.raises(ValueError, match="omega must be 0"):
        self_normalising.trajectory(0.0, 1.0, 3, pooled=True, omega=0.1)
    with pytest.raises(TypeError, match="n_layers must be an integer"):
        self_normalising.trajectory(0.0, 1.0, 2.5)


# -- dropout --------------------------------------------------------------------------
def test_alpha_dropout_constants_keep_zero_mean_unit_variance_exactly():
    rate = 0.1
    q = 1 - rate
    a, b = self_normalising.alpha_dropout_affine(rate)
    sat = -LAM * ALPHA
    assert a * (1 - q) * sat + b == pytest.approx(0.0, abs=1e-15)
    assert a**2 * q * ((1 - q) * sat**2 + 1) == pytest.approx(1.0, rel=1e-14)
    assert self_normalising.alpha_dropout_affine(0.0) == pytest.approx((1.0, 0.0))


def test_alpha_dropout_keeps_and_standard_dropout_breaks_the_statistics():
    rng = np.random.default_rng(0)
    x = activations.get("selu").forward(rng.normal(size=1_000_000))
    ad = self_normalising.alpha_dropout(x, 0.1, np.random.default_rng(1))
    sd = self_normalising.standard_dropout(x, 0.1, np.random.default_rng(1))
    assert abs(ad.mean()) < 0.01 and abs(ad.var() - 1) < 0.01
    assert sd.var() == pytest.approx(1 / 0.9, rel=0.01)  # E[(d x / q)^2] = E[x^2] / q
    with pytest.raises(ValueError, match="rate must be in"):
        self_normalising.alpha_dropout(x, 1.0, rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        self_normalising.standard_dropout(x, 0.1, 0)


# -- deep networks -----------------------------------------------------------------------
def test_forward_pass_shares_inputs_and_weights_across_activations():
    kw = {"depth": 3, "width": 16, "gain": 2.0, "n_samples": 8}
    z_relu, a_relu = self_normalising.forward_pass("relu", rng=np.random.default_rng(5), **kw)
    z_elu, _ = self_normalising.forward_pass(
        activations.get("elu", alpha=2.0), rng=np.random.default_rng(5), **kw
    )
    np.testing.assert_array_equal(z_relu[0], z_elu[0])
    assert len(z_relu) == len(a_relu) == 3 and a_relu[0].shape == (8, 16)
    assert np.all(a_relu[0] >= 0)


def test_forward_pass_refuses_bad_arguments():
    with pytest.raises(ValueError, match="dropout must be one of"):
        self_normalising.forward_pass(
            "selu", depth=2, width=4, rng=np.random.default_rng(0), dropout="gaussian"
        )
    with pytest.raises(ValueError, match="gain must be in"):
        self_normalising.forward_pass("selu", depth=2, width=4, rng=np.random.default_rng(0), gain=0.0)
    with pytest.raises(TypeError, match="rng must be"):
        self_normalising.forward_pass("selu", depth=2, width=4, rng=0)


def test_selu_with_lecun_weights_keeps_zero_mean_unit_variance():
    for seed in range(3):
        st = self_normalising.forward_statistics("selu", depth=30, width=256, rng=np.random.default_rng(seed))
        assert np.all(np.abs(st.act_mean) < 0.05)
        assert np.all(np.abs(st.act_std - 1) < 0.05)


def test_measured_layers_follow_the_pooled_prediction():
    st = self_normalising.forward_statistics(
        "selu", depth=20, width=256, rng=np.random.default_rng(0), gain=2.0
    )
    mu, nu = self_normalising.trajectory(0.0, 1.0, 20, pooled=True, tau=2.0)
    np.testing.assert_allclose(st.act_std[:10], np.sqrt(nu[1:11]), rtol=0.1)
    st = self_normalising.forward_statistics(
        "selu", depth=20, width=256, rng=np.random.default_rng(0), input_std=4.0
    )
    mu, nu = self_normalising.trajectory(0.0, 16.0, 20, pooled=True)
    np.testing.assert_allclose(st.act_std, np.sqrt(nu[1:]), rtol=0.05)


def test_bias_shift_curves_relu_theory_and_read_only_results():
    relu, elu, relu_th, elu_th = self_normalising.bias_shift_curves(1.0, 5, 64, 0)
    # He-normal ReLU: E[relu(z)] for z ~ N(0, 2) is 1/sqrt(pi), and mean/std is 1/sqrt(pi - 1).
    np.testing.assert_allclose(relu_th[0], 1 / np.sqrt(np.pi), rtol=1e-12)
    np.testing.assert_allclose(relu_th[0] / relu_th[1], 1 / np.sqrt(np.pi - 1), rtol=1e-12)
    assert elu_th[0][0] < relu_th[0][0]
    assert relu.act_mean.shape == (5,)
    with pytest.raises(ValueError, match="read-only"):
        relu.act_mean[0] = 0.0
    assert self_normalising.bias_shift_curves(1.0, 5, 64, 0) is self_normalising.bias_shift_curves(
        1.0, 5, 64, 0
    )


def test_selu_depth_curves_shapes():
    stats, (m, s) = self_normalising.selu_depth_curves(1.0, 3.0, 6, 32, 0)
    assert stats.act_std.shape == m.shape == s.shape == (6,)
    assert s[0] == pytest.approx(float(np.sqrt(self_normalising.pooled_moment_map(0.0, 9.0)[1])))


def test_compare_profiles_labels_and_depth():
    profs = self_normalising.compare_profiles(depth=4, width=16, seed=0)
    assert list(profs) == ["SELU + LeCun normal", "ReLU + He normal", "ELU + He normal"]
    assert all(p.act_mean.shape == (4,) for p in profs.values())


def test_input_moment_spectrum_known_cases():
    np.testing.assert_allclose(self_normalising.input_moment_spectrum([[1.0], [-1.0]]), [1.0, 1.0])
    # inputs with mean m: one eigenvalue near 1 + s^2 + n m^2, product of the two "mean" eigenvalues s^2
    rng = np.random.default_rng(0)
    n, m, s = 20, 0.5, 0.8
    A = m + s * rng.normal(size=(200_000, n))
    ev = self_normalising.input_moment_spectrum(A)
    top = 0.5 * ((1 + s**2 + n * m**2) + np.sqrt((1 + s**2 + n * m**2) ** 2 - 4 * s**2))
    assert ev[-1] == pytest.approx(top, rel=0.01)
    assert ev[0] == pytest.approx(s**2 / top, rel=0.05)
    with pytest.raises(ValueError, match="samples, units"):
        self_normalising.input_moment_spectrum([1.0, 2.0])


def test_track_training_is_deterministic_and_shaped():
    a = self_normalising.track_training("elu", hidden=2, width=8, epochs=1, seed=3)
    b = self_normalising.track_training("elu", hidden=2, width=8, epochs=1, seed=3)
    assert a.median_unit_mean.shape == (2,) and a.layer_mean.shape == (2, 2) and a.loss.shape == (2,)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert 0.0 <= a.test_accuracy <= 1.0


# -- gradient checks for the chapter's experiments ---------------------------------------
@pytest.mark.parametrize("activation", [("elu", 1.0), ("elu", 2.0), ("selu", None)])
def test_network_gradients_for_elu_and_selu_match_finite_differences(activation):
    """Chapter 8 trains ELU networks and profiles ELU and SELU networks: check their backpropagation."""
    name, alpha = activation
    act = activations.get(name, alpha=alpha) if alpha is not None else activations.get(name)
    rng = np.random.default_rng(21)
    net = mlp.MLP.initialise([4, 6, 5, 3], act, "he_normal", rng)
    for b in net.biases:
        b[:] = rng.normal(0.0, 0.3, b.shape)  # non-zero biases: both branches of the activation are used
    X = rng.normal(size=(9, 4))
    y = rng.integers(0, 3, size=9)
    g = net.loss_and_gradients(X, y, "cross_entropy")
    numeric = mlp.numerical_gradients(net, X, y, "cross_entropy", params=net.weights + net.biases)
    for analytic, num in zip(g.weights + g.biases, numeric, strict=True):
        np.testing.assert_allclose(analytic, num, rtol=1e-5, atol=1e-9)


def test_backward_signal_statistic_is_the_spread_of_dL_dz():
    """The "backward signal" the chapter reports is the standard deviation of dL/dz per layer.

    With a single example dL/db_l = dL/dz_l, so finite differences in the biases give
    dL/dz independently of the backward pass.
    """
    rng = np.random.default_rng(22)
    net = mlp.MLP.initialise([5, 7, 7, 7, 5], "selu", "lecun_normal", rng)
    X = rng.normal(size=(1, 5))
    targets = rng.normal(size=(1, 5))
    stats = net.loss_and_gradients(X, targets, "mse").stats
    hidden_biases = net.biases[:-1]
    numeric = mlp.numerical_gradients(net, X, targets, "mse", params=hidden_biases)
    for layer, dz in enumerate(numeric):
        assert stats.delta_std[layer] == pytest.approx(dz.std(), rel=1e-6)


def test_forward_backward_shapes_seeds_and_theory():
    r = self_normalising.forward_backward("selu", 1.0, 6, 32, (0, 1, 2, 3, 4))
    assert r.act_mean.shape == r.act_std.shape == r.delta_rel.shape == (5, 6)
    assert np.allclose(r.delta_rel[:, -1], 1.0)  # normalised at the last hidden layer
    # LeCun-normal SELU: the theory sits on the fixed point (0, 1), with chi_1 = 1.0716
    assert np.allclose(r.std_theory, 1.0, atol=1e-9) and np.allclose(r.mean_theory, 0.0, atol=1e-9)
    assert r.q_star == pytest.approx(1.0, abs=1e-9) and r.chi_1 == pytest.approx(1.0716, abs=1e-4)
    assert r.delta_theory[0] == pytest.approx(r.chi_1 ** (5 / 2), rel=1e-6)
    assert not r.act_mean.flags.writeable  # cached, read-only
    # the seeds differ, and the same seed gives the same network
    assert not np.allclose(r.act_std[0], r.act_std[1])
    again = self_normalising.forward_backward("selu", 1.0, 6, 32, (1,))
    assert np.array_equal(again.act_std[0], r.act_std[1])


def test_forward_backward_pytorch_gain_and_other_activations():
    # PyTorch's SELU gain 3/4 (variance 0.5625/n): the variance settles near std 0.2, chi_1 near 1
    r = self_normalising.forward_backward("selu", 0.5625, 40, 128, (0,))
    assert r.q_star == pytest.approx(0.0230, abs=5e-4) and r.chi_1 == pytest.approx(1.0037, abs=5e-4)
    assert 0.15 < r.act_std[0, -1] < 0.3
    relu = self_normalising.forward_backward("relu", 1.0, 10, 64, (0,))
    assert relu.chi_1 == pytest.approx(0.5) and relu.delta_rel[0, 0] < 0.05  # vanishes as 0.5^(9/2)
    elu = self_normalising.forward_backward("elu", 2.0, 10, 64, (0,))
    assert np.isinf(elu.q_star) and np.isnan(elu.chi_1) and elu.delta_rel[0, 0] > 1.5


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"activation": "tanh"}, ValueError, "activation"),
        ({"gain": 0.0}, ValueError, "gain"),
        ({"depth": 1}, ValueError, "depth"),
        ({"seeds": [0, 1]}, TypeError, "seeds"),
        ({"seeds": (-1,)}, ValueError, "seeds"),
    ],
)
def test_forward_backward_rejects_bad_input(kwargs, error, name):
    with pytest.raises(error, match=name):
        self_normalising.forward_backward(**kwargs)


@pytest.mark.parametrize("depth", [1, 7, self_normalising.BIAS_SHIFT_DEPTH + 2])
def test_bias_shift_curves_cut_from_a_deeper_network_equal_a_network_of_that_depth(depth):
    # bias_shift_curves computes BIAS_SHIFT_DEPTH layers and keeps the first `depth`: the numbers
    # must be those of a network built with exactly `depth` layers, bit for bit.
    alpha, width, seed = 0.7, 16, 3
    got = self_normalising.bias_shift_curves(alpha, depth, width, seed)
    kw = {"depth": depth, "width": width, "gain": 2.0}
    for stats, act, th, a in zip(
        got[:2], ("relu", activations.get("elu", alpha=alpha)), got[2:], (0.0, alpha), strict=True
    ):
        want = self_normalising.forward_statistics(act, rng=np.random.default_rng(seed), **kw)
        for field in ("layers", "act_mean", "act_std", "pre_std"):
            np.testing.assert_array_equal(getattr(stats, field), getattr(want, field))
        mu, nu = self_normalising.trajectory(0.0, 1.0, depth, pooled=True, tau=2.0, alpha=a, lam=1.0)
        np.testing.assert_array_equal(th[0], mu[1:])
        np.testing.assert_array_equal(th[1], np.sqrt(nu[1:]))
    with pytest.raises(ValueError, match="read-only"):
        got[1].act_std[0] = 0.0


def test_bias_shift_curves_rejects_a_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        self_normalising.bias_shift_curves(1.0, 0)
