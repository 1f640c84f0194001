"""Chapter 11: ``own_activation.judge`` against computations that do not use the library's integrals."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from vanishing.experiments import own_activation

# Gauss-Hermite nodes for E[g(z)], z ~ N(0, 1): independent of propagation.gaussian_expectation.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(120)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _expect(g) -> float:
    return float(np.sum(_WEIGHTS * g(_NODES)))


def _tanh_fixed_point(sigma_w: float) -> tuple[float, float]:
    """q* and chi_1 of a wide tanh layer without biases, by plain iteration."""
    q = 1.0
    for _ in range(2000):
        q = sigma_w**2 * float(np.sum(_WEIGHTS * np.tanh(math.sqrt(q) * _NODES) ** 2))
    chi_1 = sigma_w**2 * _expect(lambda z: np.cosh(math.sqrt(q) * z) ** -4.0)
    return q, chi_1


def test_tanh_in_a_wide_network_matches_the_fixed_point_by_iteration():
    judged = own_activation.judge(own_activation.parse_activation("tanh(x)"), sigma_w=2.0)
    q_star, chi_1 = _tanh_fixed_point(2.0)
    assert judged.q_star == pytest.approx(q_star, rel=1e-6)
    assert judged.chi_1 == pytest.approx(chi_1, rel=1e-6)
    assert judged.predicted == pytest.approx(math.sqrt(chi_1), rel=1e-6)
    median, low, high = judged.spread
    assert judged.measured.shape == (5,) and low <= median <= high
    assert abs(median - math.sqrt(chi_1)) < 0.03  # width 256 follows the mean field


def test_tanh_at_scale_one_is_critical_and_its_chains_still_vanish():
    judged = own_activation.judge(own_activation.parse_activation("tanh(x)"))
    assert judged.q_star < 1e-6 and judged.chi_1 == pytest.approx(1.0, abs=1e-6)  # sigma_w f'(0) = 1
    # G = exp(E ln(1 - tanh(z)^2)), computed here by Gauss-Hermite quadrature
    g = math.exp(_expect(lambda z: np.log(np.cosh(z) ** -2.0)))
    assert judged.G == pytest.approx(g, rel=1e-6)
    assert judged.chain_verdict == "vanishes" and judged.wide_verdict == "keeps"
    assert 0 < judged.chain_factor < 0.5


def test_relu_gain_is_half_the_weight_variance():
    for sigma_w in (1.0, 1.2, math.sqrt(2)):
        judged = own_activation.judge("relu", sigma_w=sigma_w, seeds=(0, 1, 2, 3, 4))
        assert judged.chi_1 == pytest.approx(sigma_w**2 / 2, rel=1e-9)  # f'^2 is 1 on half the line
        assert judged.chain_factor == 0.0 and judged.chain_verdict == "dies" and judged.G == 0.0
        assert np.all(np.abs(judged.measured - sigma_w / math.sqrt(2)) < 0.03)
    assert judged.wide_verdict == "keeps"
    assert own_activation.judge("relu").wide_verdict == "vanishes"  # 0.707 per layer over 29 layers


def test_a_growing_variance_is_not_simulated_and_exploding_chains_are_named():
    cube = own_activation.judge(own_activation.parse_activation("x**3"))
    assert cube.q_star == math.inf and math.isnan(cube.chi_1) and math.isnan(cube.predicted)
    assert cube.measured.size == 0 and all(math.isnan(v) for v in cube.spread)
    assert cube.chain_factor == math.inf and cube.chain_verdict == "explodes"
    assert cube.wide_verdict == "variance grows"


def test_judge_is_pure_and_follows_its_seeds():
    act = own_activation.parse_activation("x*sigmoid(x)")
    a, b = own_activation.judge(act, depth=10), own_activation.judge(act, depth=10)
    assert np.array_equal(a.measured, b.measured) and a.chain_factor == b.chain_factor
    c = own_activation.judge(act, depth=10, seeds=(5, 6, 7, 8, 9))
    assert not np.array_equal(a.measured, c.measured) and c.seeds == (5, 6, 7, 8, 9)
    # the verdict is a factor of 10 over depth - 1 layers
    assert own_activation.Judgement._verdict(0.9, 30) == "vanishes"  # 0.9**29 = 0.047
    assert own_activation.Judgement._verdict(0.95, 30) == "keeps"  # 0.95**29 = 0.23
    assert own_activation.Judgement._verdict(0.99, 30) == "keeps"
    assert own_activation.Judgement._verdict(1.1, 30) == "explodes"


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"sigma_w": 0.0}, ValueError, "sigma_w"),
        ({"depth": 1}, ValueError, "depth"),
        ({"width": 0}, ValueError, "width"),
        ({"seeds": ()}, ValueError, "seeds"),
        ({"seeds": "01234"}, TypeError, "seeds"),
        ({"seeds": (0, -1)}, ValueError, "seeds"),
        ({"n_chains": 0}, ValueError, "n_chains"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, error, name):
    with pytest.raises(error, match=name):
        own_activation.judge("tanh", **kwargs)


def test_where_max_is_bounded_for_an_oscillating_formula():
    # sin(100 pi x) peaks at every other grid point: 2001 separate maxima
    act = own_activation.parse_activation("sin(100*pi*x)")
    assert len(act.max_at) == 2001
    text = act.where_max(2)
    assert text.endswith("and 1998 more") and len(text) < 80
    assert len(act.where_max(2, limit=5)) < 100
    assert own_activation.parse_activation("tanh(x)").where_max() == "x = 0.0000"
    with pytest.raises(ValueError, match="limit"):
        act.where_max(limit=0)


def test_wide_layer_of_a_parsed_formula_is_shared_with_the_widgets_cache_and_equals_the_uncached_one():
    # chapter 11 prints wide_layer(parse_activation(text)) before its twin draws parsed_wide_layer(text)
    text = "tanh(x) + x/8"
    act = own_activation.parse_activation(text)
    shared = own_activation.wide_layer(act)
    assert own_activation.parsed_wide_layer(f"  {text} ") is shared  # one computation per formula
    # the Activation behind it takes the uncached path: same numbers, to the last bit
    assert own_activation.wide_layer(act.activation) == shared
    # other settings are not served from that cache
    assert own_activation.wide_layer(act, sigma_b=0.5).sigma_b == 0.5
    assert own_activation.wide_layer(act, bounds=(0.1, 0.5)).critical is None  # chi_1 = 1 lies above 0.5
    with pytest.raises(ValueError, match="sigma_b"):
        own_activation.parsed_wide_layer(text, sigma_b=-1.0)


def test_a_hand_built_custom_activation_is_not_served_results_cached_for_its_text():
    tanh, relu = own_activation.parse_activation("tanh(x)"), own_activation.parse_activation("max(x, 0)")
    fake = dataclasses.replace(relu, text=tanh.text)  # a ReLU that claims to be tanh
    assert own_activation.wide_layer(fake) == own_activation.wide_layer(relu.activation)
    assert own_activation.wide_layer(fake) != own_activation.wide_layer(tanh)


def test_judge_of_a_parsed_formula_equals_judge_of_its_activation():
    # a parsed formula reads the cached chains of seeded_depth_decay; an Activation draws them afresh
    act = own_activation.parse_activation("x*tanh(x) + x/2")
    settings = {"depth": 12, "width": 32, "seeds": (0, 1), "n_chains": 300, "chain_seed": 3}
    parsed, direct = own_activation.judge(act, **settings), own_activation.judge(act.activation, **settings)
    for field in (f.name for f in dataclasses.fields(parsed)):
        a, b = getattr(parsed, field), getattr(direct, field)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else (a == b or (a != a and b != b)), field
    decay = own_activation.seeded_depth_decay(act.text, 12, 300, 3)
    assert parsed.chain_factor == decay.rate
