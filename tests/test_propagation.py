"""vanishing.core.propagation: mean-field maps against closed forms, high-precision quadrature and wide networks."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from vanishing.core import activations, propagation
from vanishing.experiments import own_activation

LINEAR = activations.custom("linear", lambda z: z, lambda z: np.ones_like(z), activations.x)


def _mp_expectation(fn, q, kinks=()):
    """E[fn(sqrt(q) z)] by mpmath's adaptive quadrature at 30 digits, split at the kinks: an independent check."""
    mpmath.mp.dps = 30
    root = mpmath.sqrt(q)
    density = lambda z: mpmath.exp(-(z**2) / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
    points = sorted({0.0, *(k / math.sqrt(q) for k in kinks)})
    return float(mpmath.quad(lambda z: fn(root * z) * density(z), [-mpmath.inf, *points, mpmath.inf]))


def test_quadrature_is_exact_to_rounding_on_kinked_and_smooth_integrands():
    assert propagation.gaussian_expectation(lambda z: np.maximum(z, 0.0) ** 2, kinks=(0.0,)) == pytest.approx(
        0.5, abs=1e-14
    )
    assert propagation.gaussian_expectation(lambda z: z**4) == pytest.approx(3.0, abs=1e-13)
    assert propagation.gaussian_expectation(lambda z: np.cos(z)) == pytest.approx(math.exp(-0.5), abs=1e-14)


@pytest.mark.parametrize("q", [0.01, 1.0, 7.5])
@pytest.mark.parametrize(("sigma_w", "sigma_b"), [(0.7, 0.0), (1.3, 0.2), (math.sqrt(2), 0.0)])
def test_relu_closed_forms(q, sigma_w, sigma_b):
    assert propagation.chi("relu", q, sigma_w) == pytest.approx(sigma_w**2 / 2, rel=1e-13)
    assert propagation.length_map("relu", q, sigma_w, sigma_b) == pytest.approx(
        sigma_w**2 * q / 2 + sigma_b**2, rel=1e-13
    )
    assert propagation.length_map_slope("relu", q, sigma_w) == pytest.approx(sigma_w**2 / 2, rel=1e-12)


@pytest.mark.parametrize("c", [-1.0, -0.9, -0.3, 0.0, 0.4, 0.99])
def test_relu_correlation_map_is_the_arc_cosine_kernel(c):
    # Cho and Saul (2009): E[relu(u1) relu(u2)] = q (sqrt(1 - c^2) + (pi - arccos c) c) / (2 pi)
    q, sigma_w, sigma_b = 1.3, 1.2, 0.2
    pair = q * (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c) / (2 * math.pi)
    expected = (sigma_w**2 * pair + sigma_b**2) / (sigma_w**2 * q / 2 + sigma_b**2)
    assert propagation.correlation_map("relu", c, q, sigma_w, sigma_b) == pytest.approx(expected, abs=1e-12)


def test_relu_fixed_point_and_he_initialisation_is_critical():
    sigma_w, sigma_b = 1.2, 0.3
    assert propagation.fixed_point_length("relu", sigma_w, sigma_b) == pytest.approx(
        sigma_b**2 / (1 - sigma_w**2 / 2), rel=1e-10
    )
    he = propagation.mean_field("relu", math.sqrt(2), 0.0)
    assert (
        he.chi_1 == pytest.approx(1.0, abs=1e-12) and he.phase == "critical" and he.gradient_scale == math.inf
    )
    with pytest.raises(ValueError, match="grows without bound"):
        propagation.mean_field("relu", 1.5, 0.1)


@pytest.mark.parametrize("name", ["relu6", "hard_swish", "elu", "leaky_relu", "tanh"])
def test_pair_expectation_at_independence_and_at_the_ends(name):
    # At c = 0 the two pre-activations are independent: E[f(u1) f(u2)] = E[f]^2, here
    # from mpmath; kinks away from 0 (relu6 at 6, hard swish at +-3) cut the inner rule.
    act = activations.get(name)
    q, sigma_w, sigma_b = 4.0, 1.2, 0.3
    q_next = propagation.length_map(act, q, sigma_w, sigma_b)

    def f(u):
        return mpmath.mpf(float(act.forward(float(u))))

    mean = _mp_expectation(f, q, act.kinks)
    assert propagation.correlation_map(act, 0.0, q, sigma_w, sigma_b) == pytest.approx(
        (sigma_w**2 * mean**2 + sigma_b**2) / q_next, abs=1e-12
    )
    # At c = -1, u2 = -u1: the map is continuous there.
    assert propagation.correlation_map(act, -1.0, q, sigma_w, sigma_b) == pytest.approx(
        propagation.correlation_map(act, -1.0 + 1e-10, q, sigma_w, sigma_b), abs=1e-6
    )


@pytest.mark.parametrize("sigma_w", [1.5, 2.0, 3.0])
def test_odd_activation_with_no_bias_has_its_correlation_fixed_point_at_zero(sigma_w):
    m = propagation.mean_field("tanh", sigma_w, 0.0)
    assert m.phase == "chaotic" and m.c_star == 0.0


@pytest.mark.parametrize(("sigma_w", "sigma_b"), [(0.6, 0.1), (0.9, 0.0), (1.1, 0.5)])
def test_linear_closed_forms(sigma_w, sigma_b):
    q = 0.8
    assert propagation.chi(LINEAR, q, sigma_w) == pytest.approx(sigma_w**2, rel=1e-13)
    assert propagation.length_map(LINEAR, q, sigma_w, sigma_b) == pytest.approx(sigma_w**2 * q + sigma_b**2)
    c = 0.3
    expected = (sigma_w**2 * q * c + sigma_b**2) / (sigma_w**2 * q + sigma_b**2)
    assert propagation.correlation_map(LINEAR, c, q, sigma_w, sigma_b) == pytest.approx(expected, abs=1e-12)
    if sigma_w < 1:
        assert propagation.fixed_point_length(LINEAR, sigma_w, sigma_b) == pytest.approx(
            sigma_b**2 / (1 - sigma_w**2), rel=1e-9, abs=1e-12
        )


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "gelu", "elu", "hard_swish"])
def test_smooth_and_kinked_maps_match_mpmath(name):
    act = activations.get(name)
    q, sigma_w, sigma_b = 0.7, 1.3, 0.2

    def f(u):
        return mpmath.mpf(float(act.forward(float(u))))

    def fp(u):
        return mpmath.mpf(float(act.derivative(float(u))))

    # mpmath evaluates the library's float functions, so this checks the quadrature, not the activation
    assert propagation.length_map(act, q, sigma_w, sigma_b) == pytest.approx(
        sigma_w**2 * _mp_expectation(lambda u: f(u) ** 2, q, act.kinks) + sigma_b**2, rel=1e-9
    )
    assert propagation.chi(act, q, sigma_w) == pytest.approx(
        sigma_w**2 * _mp_expectation(lambda u: fp(u) ** 2, q, act.kinks), rel=1e-9
    )


def test_slopes_equal_finite_differences_of_the_maps():
    act, sigma_w, sigma_b = "tanh", 2.0, 0.3
    m = propagation.mean_field(act, sigma_w, sigma_b)
    assert m.phase == "chaotic" and 0 < m.c_star < 1
    assert propagation.correlation_map(act, m.c_star, m.q_star, sigma_w, sigma_b) == pytest.approx(
        m.c_star, abs=1e-10
    )
    h = 1e-5
    up = propagation.correlation_map(act, m.c_star + h, m.q_star, sigma_w, sigma_b)
    down = propagation.correlation_map(act, m.c_star - h, m.q_star, sigma_w, sigma_b)
    assert m.chi_c == pytest.approx((up - down) / (2 * h), rel=1e-6)
    up = propagation.length_map(act, m.q_star + h, sigma_w, sigma_b)
    down = propagation.length_map(act, m.q_star - h, sigma_w, sigma_b)
    assert m.length_slope == pytest.approx((up - down) / (2 * h), rel=1e-6)
    # the slope of the correlation map at c = 1 is chi_1
    near = propagation.correlation_map(act, 1 - 1e-6, m.q_star, sigma_w, sigma_b)
    assert (1 - near) / 1e-6 == pytest.approx(m.chi_1, rel=1e-4)


def test_tanh_phases_and_the_edge_of_chaos():
    assert propagation.mean_field("tanh", 0.8, 0.1).phase == "ordered"
    assert propagation.mean_field("tanh", 2.5, 0.3).phase == "chaotic"
    # with no bias q* = 0, where tanh'(0) = 1: chi_1 = sigma_w^2, critical at sigma_w = 1
    assert propagation.mean_field("tanh", 0.9, 0.0).chi_1 == pytest.approx(0.81, abs=1e-6)
    assert propagation.mean_field("tanh", 1.0, 0.0).phase == "critical"


def test_a_readers_activation_gives_the_registrys_numbers():
    mine = own_activation.parse_activation("x*sigmoid(x)")
    for q in (0.3, 2.0):
        assert propagation.chi(mine, q, 1.4) == pytest.approx(propagation.chi("silu", q, 1.4), rel=1e-12)


def test_an_activation_undefined_where_the_integral_reaches_is_refused():
    walled = activations.custom(
        "walled",
        lambda z: np.where(np.abs(z) <= 10, np.tanh(z), np.nan),
        lambda z: 1 - np.tanh(z) ** 2,
        activations.x,
    )
    assert math.isfinite(propagation.length_map(walled, 0.5, 1.0, 0.0))
    with pytest.raises(ValueError, match="not finite"):
        propagation.length_map(walled, 9.0, 1.0, 0.0)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: propagation.chi("tanh", 1.0, 0.0), "sigma_w"),
        (lambda: propagation.length_map("tanh", -1.0, 1.0, 0.0), "q"),
        (lambda: propagation.correlation_map("tanh", 1.5, 1.0, 1.0, 0.0), "c"),
        (lambda: propagation.length_map("tanh", 1.0, 1.0, -0.1), "sigma_b"),
        (lambda: propagation.simulate("tanh", 1.0, 0.0, depth=3, width=8, batch=3), "batch"),
        (lambda: propagation.simulate("tanh", 1.0, 0.0, depth=1, width=8), "depth"),
        (lambda: propagation.mean_field("swishy", 1.0, 0.0), "swishy"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# Wide networks: width 512, depth 12, five seeds.  The mean-field maps
# describe the average over random weights; a single network of finite width
# fluctuates around it.  The variance is a product of per-layer factors, so
# its seed-to-seed spread grows with depth (for ReLU, whose factors are the
# most variable, one network's q at layer 12 can be 40 % off); the tests hold
# the seeds' mean to the prediction within four standard errors, and each
# seed's gradient gain per layer, an average over eleven layers, to 5 %.
CASES = [
    ("tanh", 1.5, 0.3),
    ("tanh", 0.9, 0.05),
    ("relu", math.sqrt(2), 0.0),
    ("relu", 1.2, 0.1),
    ("gelu", 1.6, 0.1),
]


@pytest.fixture(scope="module", params=CASES, ids=[f"{a}-{w:.2f}-{b}" for a, w, b in CASES])
def wide(request):
    act, sigma_w, sigma_b = request.param
    run = propagation.simulate(act, sigma_w, sigma_b, depth=12, width=512)
    return request.param, run


def test_wide_networks_follow_the_length_map(wide):
    (act, sigma_w, sigma_b), run = wide
    predicted = propagation.length_trajectory(act, 1.0, 12, sigma_w, sigma_b)
    mean = run.q.mean(axis=0)
    stderr = run.q.std(axis=0, ddof=1) / math.sqrt(run.q.shape[0])
    assert np.all(np.abs(mean - predicted) <= 4 * stderr + 0.02 * predicted), (mean, predicted)


def test_wide_networks_follow_the_correlation_map(wide):
    (act, sigma_w, sigma_b), run = wide
    predicted = propagation.correlation_trajectory(act, 1.0, 0.5, 12, sigma_w, sigma_b)
    assert np.max(np.abs(run.c.mean(axis=0) - predicted)) < 0.04


def test_every_seeds_gradient_gain_is_chi_along_the_way(wide):
    (act, sigma_w, sigma_b), run = wide
    g = propagation.gradient_trajectory(act, 1.0, 12, sigma_w, sigma_b)
    predicted = (g[0] / g[-1]) ** (1 / 11)
    assert np.all(np.abs(run.gradient_gain / predicted - 1) < 0.05), (run.gradient_gain, predicted)
    assert abs(np.median(run.gradient_gain) / predicted - 1) < 0.02


@pytest.mark.parametrize(("act", "sigma_w"), [("tanh", 0.99), ("relu", 1.41), ("relu", 1.40), ("elu", 0.99)])
def test_a_variance_that_fades_slowly_has_the_fixed_point_zero(act, sigma_w):
    # the map shrinks q by a factor close to 1 per layer, too slowly for plain iteration
    assert propagation.fixed_point_length(act, sigma_w, 0.0) == 0.0
    assert propagation.mean_field(act, sigma_w, 0.0).phase == "ordered"


def test_slow_convergence_to_a_positive_fixed_point_is_finished_by_the_root_finder():
    sigma_w, sigma_b = 1.41, 0.05  # ReLU: slope 0.994 per layer, q* = sigma_b^2 / (1 - sigma_w^2 / 2)
    assert propagation.fixed_point_length("relu", sigma_w, sigma_b) == pytest.approx(
        sigma_b**2 / (1 - sigma_w**2 / 2), rel=1e-10
    )


def test_the_gain_at_a_vanishing_variance_is_its_limit():
    # ReLU's slope at 0 is 0 by convention, but a tiny variance sees both sides of the kink
    assert propagation.chi("relu", 0.0, 1.0) == pytest.approx(0.5, rel=1e-12)
    assert propagation.mean_field("relu", 1.0, 0.0).chi_1 == pytest.approx(0.5, rel=1e-12)
    assert propagation.chi("tanh", 0.0, 0.7) == pytest.approx(0.49, rel=1e-12)
    fading = propagation.mean_field("tanh", 0.5, 0.0)
    assert (
        fading.q_star == 0.0 and math.isnan(fading.c_star) and fading.chi_c == 1.0 and fading.xi_c == math.inf
    )


@pytest.mark.parametrize(("sigma_w", "sigma_b"), [(0.5, 0.3), (2.5, 0.3)])
def test_correlations_stay_in_range_when_quadrature_rounds_past_one(sigma_w, sigma_b):
    """The sigmoid's correlations approach 1 so closely that quadrature rounded them to 1 + 4e-16."""
    c = propagation.correlation_trajectory("sigmoid", 1.0, 0.5, 30, sigma_w, sigma_b)
    assert np.all((c >= -1.0) & (c <= 1.0))
    assert c[-1] > 0.999


def _simulate_as_defined(act, sigma_w, sigma_b, depth, width, seed, batch=16, c0=0.5):
    """simulate's docstring, step by step, with one rng.normal call per weight matrix and bias."""
    rng = np.random.default_rng(seed)
    half = batch // 2
    a = rng.standard_normal((half, width))
    b = c0 * a + math.sqrt(1.0 - c0 * c0) * rng.standard_normal((half, width))
    hs = [np.concatenate([a, b])]
    ws = []
    for _ in range(1, depth):
        ws.append(rng.normal(0.0, sigma_w / math.sqrt(width), (width, width)))
        bias = rng.normal(0.0, sigma_b, width) if sigma_b > 0 else np.zeros(width)
        hs.append(act._kernel(hs[-1]) @ ws[-1] + bias)
    grads = [rng.standard_normal(hs[-1].shape)]
    for layer in range(depth - 2, -1, -1):
        grads.insert(0, (grads[0] @ ws[layer].T) * act._kernel_derivative(hs[layer]))
    return np.array([np.mean(h * h) for h in hs]), np.array([np.mean(g * g) for g in grads])


@pytest.mark.parametrize(("name", "sigma_w", "sigma_b"), [("tanh", 1.5, 0.3), ("relu", 2**0.5, 0.0)])
def test_simulate_draws_the_networks_its_docstring_defines_bit_for_bit(name, sigma_w, sigma_b):
    act = activations.get(name)
    run = propagation.simulate(act, sigma_w, sigma_b, depth=5, width=6, seeds=(3, 4))
    for row, seed in enumerate((3, 4)):
        q, grad_sq = _simulate_as_defined(act, sigma_w, sigma_b, 5, 6, seed)
        assert np.array_equal(run.q[row], q) and np.array_equal(run.grad_sq[row], grad_sq)


@pytest.mark.parametrize(("w_std", "sigma_b"), [(0.3, 0.2), (0.3, 0.0), (5e-324, 5e-324)])
def test_layers_drawn_at_once_are_rng_normals_bit_for_bit(w_std, sigma_b):
    width, layers = 3, 4
    params = np.empty((layers, width * width + (width if sigma_b > 0 else 0)))
    ref = np.random.default_rng(8)
    normals = np.random.default_rng(8).standard_normal(params.shape)
    weights, biases = propagation._draw_layers(normals, params, width, w_std, sigma_b, np.zeros(width))
    for w, b in zip(weights, biases, strict=True):
        # tobytes: the same bits, the sign of a zero included (5e-324 * z often rounds to -0.0)
        assert w.tobytes() == ref.normal(0.0, w_std, (width, width)).tobytes()
        expected = ref.normal(0.0, sigma_b, width) if sigma_b > 0 else np.zeros(width)
        assert b.tobytes() == expected.tobytes()


def test_standard_normals_are_the_generators_own_in_order():
    streams = propagation.StandardNormals(max_stream=1000, max_total=2500)
    ref = np.random.default_rng(5).standard_normal(1000)
    short = streams.first(5, 10)
    assert np.array_equal(short, ref[:10])
    assert np.array_equal(streams.first(5, 700), ref[:700])  # grown from the kept 10
    assert np.array_equal(streams.first(5, 300), ref[:300])  # a prefix of the kept 700
    assert not streams.first(5, 300).flags.writeable  # shared by every caller
    assert np.array_equal(streams.first(6, 10), np.random.default_rng(6).standard_normal(10))


def test_standard_normals_keep_at_most_their_budget():
    streams = propagation.StandardNormals(max_stream=1000, max_total=2500)
    long = streams.first(9, 5000)  # over max_stream: drawn, not kept
    assert np.array_equal(long, np.random.default_rng(9).standard_normal(5000))
    assert streams._kept == {}
    for seed in (1, 2, 3):
        streams.first(seed, 1000)
    assert sorted(streams._kept) == [2, 3]  # seed 1, least recently used, made room
    streams.first(2, 10)
    streams.first(4, 1000)
    assert sorted(streams._kept) == [2, 4]
    streams.cache_clear()
    assert streams._kept == {}


def test_simulate_gives_the_same_bits_from_kept_draws():
    """A run after runs of other depths, widths and bias scales with the same seeds (so a
    longer, a shorter and no kept stream) equals the run from fresh draws."""
    propagation.STANDARD_NORMALS.cache_clear()
    fresh = propagation.simulate("tanh", 1.5, 0.3, depth=6, width=8, seeds=(3, 4))
    for depth, width, sigma_b in ((9, 8, 0.0), (3, 8, 0.3), (6, 16, 0.3)):
        propagation.simulate("tanh", 1.2, sigma_b, depth=depth, width=width, seeds=(4, 3))
        again = propagation.simulate("tanh", 1.5, 0.3, depth=6, width=8, seeds=(3, 4))
        assert np.array_equal(again.q, fresh.q) and np.array_equal(again.grad_sq, fresh.grad_sq)
        assert np.array_equal(again.c, fresh.c)
