"""Initialisation scales, and their effect on a deep network at initialisation."""

import numpy as np
import pytest

from vanishing import initialisation as ini
from vanishing import mlp


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("xavier_normal", 2 / 700),
        ("xavier_uniform", 2 / 700),
        ("he_normal", 2 / 400),
        ("he_uniform", 2 / 400),
        ("lecun_normal", 1 / 400),
    ],
)
def test_weight_variance_formula_matches_the_samples(scheme, expected):
    assert ini.weight_variance(scheme, 400, 300) == pytest.approx(expected)
    sample = mlp.init_weights(400, 300, scheme, np.random.default_rng(0))
    assert sample.var() == pytest.approx(expected, rel=0.03)


def test_normal_scheme_needs_std():
    assert ini.weight_variance("normal", 3, 4, std=0.5) == 0.25
    with pytest.raises(ValueError, match="std must be given"):
        ini.weight_variance("normal", 3, 4)
    with pytest.raises(ValueError, match="scheme must be one of"):
        ini.weight_variance("glorot", 3, 4)


def test_profile_shapes_and_the_three_regimes_of_tanh():
    rng = np.random.default_rng
    small = ini.profile("tanh", "normal", depth=15, width=128, rng=rng(0), std=0.01)
    xavier = ini.profile("tanh", "xavier_normal", depth=15, width=128, rng=rng(0))
    large = ini.profile("tanh", "normal", depth=15, width=128, rng=rng(0), std=1.0)
    assert small.layers.tolist() == list(range(1, 16)) and small.act_std.shape == (15,)
    assert small.act_std[-1] < 1e-10  # the signal dies on the way forward
    assert 0.05 < xavier.act_std[-1] < 1.0  # and survives with Xavier
    assert large.act_std[-1] > 0.9  # saturated: outputs pinned near +-1
    # Backward: in the saturated network the gradient explodes towards the input.
    assert large.delta_std[0] / large.delta_std[-1] > 1e4
    assert 0.01 < xavier.delta_std[0] / xavier.delta_std[-1] < 10


def test_he_keeps_relu_activations_at_a_steady_scale_and_xavier_halves_them():
    rng = np.random.default_rng
    he = [ini.profile("relu", "he_normal", depth=20, width=256, rng=rng(s)).act_std[-1] for s in range(3)]
    xa = [ini.profile("relu", "xavier_normal", depth=20, width=256, rng=rng(s)).act_std[-1] for s in range(3)]
    assert 0.3 < np.mean(he) < 3.0
    assert np.mean(xa) < 0.01  # about 2 ** -10 of He's, one factor sqrt(1/2) per layer
