"""Dead ReLU units, sparsity and per-layer statistics (chapter 6)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from vanishing.core import activations, data, initialisation, mlp
from vanishing.experiments import dying_relu as du


def tiny_net():
    """One input, hidden layer of three units with weights 1, -1, 2 and biases 0, 0, -5."""
    weights = [np.array([[1.0, -1.0, 2.0]]), np.ones((3, 2))]
    biases = [np.array([0.0, 0.0, -5.0]), np.zeros(2)]
    return mlp.MLP(weights, biases, "relu")


X_TINY = np.array([[1.0], [2.0], [-1.0], [0.0]])


# --------------------------------------------------------------------------
# parse_init
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("he_normal", ("he_normal", None)),
        ("xavier_uniform", ("xavier_uniform", None)),
        ("normal(0.01)", ("normal", 0.01)),
        ("normal( 2 )", ("normal", 2.0)),
        ("normal(1e-3)", ("normal", 1e-3)),
    ],
)
def test_parse_init_reads_schemes_and_normal_std(label, expected):
    assert initialisation.parse_init(label) == expected


@pytest.mark.parametrize("label", ["normal", "normal(0)", "normal(-1)", "glorot", "he", "normal(x)"])
def test_parse_init_refuses_unknown_labels(label):
    with pytest.raises(ValueError, match="init must be one of|std > 0"):
        initialisation.parse_init(label)


def test_parse_init_needs_a_string():
    with pytest.raises(TypeError, match="init must be a string"):
        initialisation.parse_init(0.01)


# --------------------------------------------------------------------------
# zero_fraction, dead_masks
# --------------------------------------------------------------------------
def test_zero_fraction_and_dead_masks_on_a_hand_built_network():
    # Pre-activations over the four inputs 1, 2, -1, 0:
    #   unit 0:  1,  2, -1, 0  -> zeros at -1 and 0: 2 of 4
    #   unit 1: -1, -2,  1, 0  -> zeros at 1, 2, 0: 3 of 4
    #   unit 2: -3, -1, -7, -5 -> all zero, the unit is dead
    net = tiny_net()
    assert du.zero_fraction(net, X_TINY) == pytest.approx([(2 + 3 + 4) / 12])
    (mask,) = du.dead_masks(net, X_TINY)
    assert mask.tolist() == [False, False, True]


def test_a_unit_that_is_exactly_zero_everywhere_counts_as_dead():
    net = tiny_net()
    X = np.array([[0.0], [-1.0]])  # unit 0 sees 0 and -1: never positive
    assert du.dead_masks(net, X)[0].tolist() == [True, False, True]


def test_tanh_networks_have_no_exact_zeros_but_relu_ones_have_about_half():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 20))
    relu = mlp.MLP.initialise([20, 50, 50, 3], "relu", "he_normal", rng)
    tanh = mlp.MLP(relu.weights, relu.biases, "tanh")
    assert np.all(du.zero_fraction(tanh, X) == 0.0)
    # P(z <= 0) = 1/2 for a symmetric pre-activation; 50 units give a few percent of noise
    assert np.all(np.abs(du.zero_fraction(relu, X) - 0.5) < 0.1)


def test_measurements_refuse_other_objects():
    with pytest.raises(TypeError, match="vanishing.core.mlp.MLP"):
        du.zero_fraction("net", X_TINY)
    with pytest.raises(TypeError, match="vanishing.core.mlp.MLP"):
        du.dead_masks(None, X_TINY)


# --------------------------------------------------------------------------
# kill_units and the gradient of a dead unit
# --------------------------------------------------------------------------
def test_kill_units_makes_exactly_the_chosen_units_dead_with_the_margin():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 5))
    net = mlp.MLP.initialise([5, 8, 8, 2], "relu", "he_normal", rng)
    before = [b.copy() for b in net.biases]
    du.kill_units(net, X, 2, [1, 6], margin=0.25)
    u = net.hidden_inputs(X)[1]
    assert u[:, [1, 6]].max(axis=0) == pytest.approx([-0.25, -0.25])
    assert du.dead_masks(net, X)[1][[1, 6]].all()
    changed = [i for i in range(8) if net.biases[1][i] != before[1][i]]
    assert changed == [1, 6]
    assert np.array_equal(net.biases[0], before[0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layer": 0, "units": [0]}, ValueError, "layer must be an integer in"),
        ({"layer": 3, "units": [0]}, ValueError, "layer must be an integer in"),
        ({"layer": 1, "units": [8]}, ValueError, "distinct indices"),
        ({"layer": 1, "units": [1, 1]}, ValueError, "distinct indices"),
        ({"layer": 1, "units": []}, TypeError, "non-empty sequence"),
        ({"layer": 1, "units": [0.5]}, TypeError, "non-empty sequence"),
        ({"layer": 1, "units": [0], "margin": 0.0}, ValueError, "margin must be in"),
    ],
)
def test_kill_units_checks_its_arguments(kwargs, error, match):
    rng = np.random.default_rng(0)
    net = mlp.MLP.initialise([3, 8, 8, 2], "relu", "he_normal", rng)
    with pytest.raises(error, match=match):
        du.kill_units(net, rng.normal(size=(4, 3)), **kwargs)


def test_kill_units_refuses_batch_norm_networks():
    rng = np.random.default_rng(0)
    net = mlp.MLP.initialise([3, 4, 2], "relu", "he_normal", rng, batch_norm=True)
    with pytest.raises(ValueError, match="without batch normalisation"):
        du.kill_units(net, rng.normal(size=(4, 3)), 1, [0])


def central(net, param, index, X, y, h):
    old = param[index]
    param[index] = old + h
    up = net.loss_and_gradients(X, y, "cross_entropy").loss
    param[index] = old - h
    down = net.loss_and_gradients(X, y, "cross_entropy").loss
    param[index] = old
    return (up - down) / (2 * h)


def test_a_dead_unit_gets_zero_gradient_and_finite_differences_agree():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 3, size=30)
    net = mlp.MLP.initialise([4, 6, 5, 3], "relu", "he_normal", rng)
    du.kill_units(net, X, 2, [3], margin=0.5)
    g = net.loss_and_gradients(X, y, "cross_entropy")
    # Incoming weights and bias of the dead unit: exactly zero.
    assert np.all(g.weights[1][:, 3] == 0.0) and g.biases[1][3] == 0.0
    # Its outgoing weights multiply an activation of 0: also exactly zero.
    assert np.all(g.weights[2][3, :] == 0.0)
    # A step too small to revive it leaves the loss bit-for-bit unchanged.
    for i in range(5):
        assert central(net, net.weights[1], (i, 3), X, y, 1e-3) == 0.0
    assert central(net, net.biases[1], 3, X, y, 1e-3) == 0.0
    # Control: every non-zero gradient of the live units' incoming weights matches
    # a central difference (and there are some to check).
    checked = 0
    for i in range(5):
        for j in (0, 1, 2, 4):
            if g.weights[1][i, j] != 0.0:
                numeric = central(net, net.weights[1], (i, j), X, y, 1e-6)
                assert numeric == pytest.approx(g.weights[1][i, j], rel=1e-5, abs=1e-10)
                checked += 1
    assert checked >= 5


# --------------------------------------------------------------------------
# DeadTrace bookkeeping on masks written by hand
# --------------------------------------------------------------------------
def trace_from(columns):
    """A one-layer trace whose unit j follows columns[j] (True = dead) over the epochs."""
    masks = (np.array(columns, dtype=bool).T,)
    n = masks[0].shape[0]
    return du.DeadTrace(masks=masks, loss=np.zeros(n), train_accuracy=np.zeros(n))


def test_trace_counts_deaths_revivals_and_the_final_state():
    trace = trace_from(
        [
            [False, False, False, False],  # never dead
            [True, False, True, True],  # dead, revives, dies for good: revived once
            [False, True, True, True],  # dies and stays dead
            [True, True, True, False],  # dead from the start, revives at the end
            [False, True, False, False],  # dies briefly
        ]
    )
    assert trace.epochs == 3
    assert trace.ever_dead().tolist() == [4]
    assert trace.revived().tolist() == [3]
    assert trace.dead_at_end().tolist() == [2]
    assert trace.fraction[:, 0] == pytest.approx([0.4, 0.6, 0.6, 0.4])


def test_trace_with_no_training_has_nothing_to_revive():
    trace = trace_from([[True], [False]])
    assert trace.revived().tolist() == [0]
    assert trace.ever_dead().tolist() == [1]


# --------------------------------------------------------------------------
# track_dead: what training does to dead units
# --------------------------------------------------------------------------
def test_a_dead_first_layer_unit_never_moves_and_never_revives():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 6))
    y = (X[:, 0] > 0).astype(np.int64)
    net = mlp.MLP.initialise([6, 10, 10, 2], "relu", "he_normal", rng)
    du.kill_units(net, X, 1, [2, 5])
    w, b = net.weights[0][:, [2, 5]].copy(), net.biases[0][[2, 5]].copy()
    trace = du.track_dead(net, X, y, epochs=5, lr=0.5, rng=np.random.default_rng(2), batch_size=16)
    assert trace.masks[0].shape == (6, 10) and trace.masks[1].shape == (6, 10)
    assert trace.loss.shape == (6,) and trace.train_accuracy.shape == (6,)
    assert trace.masks[0][:, [2, 5]].all()
    assert np.array_equal(net.weights[0][:, [2, 5]], w) and np.array_equal(net.biases[0][[2, 5]], b)
    assert trace.loss[-1] < trace.loss[0]  # the rest of the network learned


def test_a_dead_deeper_unit_revives_when_the_layers_below_it_learn():
    # The chapter's controlled experiment, shortened: units killed in layer 4 keep
    # their frozen weights, but the three layers below keep learning and change
    # the inputs, so the units come back; the killed first-layer units cannot.
    split = data.digits(np.random.default_rng(0))
    X, y = split.X_train[:512], split.y_train[:512]
    net = mlp.MLP.initialise([64] + [32] * 6 + [10], "relu", "he_normal", np.random.default_rng(0))
    for layer in (1, 4):
        du.kill_units(net, X, layer, [0, 1, 2, 3])
    w4 = net.weights[3][:, :4].copy()
    trace = du.track_dead(net, X, y, epochs=3, lr=0.1, rng=np.random.default_rng(99))
    assert trace.masks[3][0, :4].all()  # dead before training
    assert not trace.masks[3][-1, :4].any()  # all four alive again after 3 epochs
    assert trace.masks[0][:, :4].all()  # the first-layer ones never revive
    assert trace.revived()[3] >= 4 and trace.revived()[0] == 0
    # A revived unit moves again once it is alive: its weights are no longer the frozen ones.
    assert not np.array_equal(net.weights[3][:, :4], w4)


def test_track_dead_with_zero_epochs_records_the_start():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    net = mlp.MLP.initialise([3, 4, 2], "relu", "he_normal", rng)
    trace = du.track_dead(net, X, np.zeros(8, dtype=np.int64), epochs=0, lr=0.1, rng=rng)
    assert trace.epochs == 0 and trace.masks[0].shape == (1, 4)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        du.track_dead(net, X, np.zeros(8, dtype=np.int64), epochs=1, lr=0.1, rng=0)


def test_revival_run_is_cached_and_read_only():
    a = du.revival_run(2, 0.1, 0, epochs=2, width=8, n_train=64)
    assert a is du.revival_run(2, 0.1, 0, epochs=2, width=8, n_train=64)
    assert len(a.masks) == 2 and a.masks[0].shape == (3, 8)
    with pytest.raises(ValueError, match="read-only"):
        a.masks[0][0, 0] = True
    with pytest.raises(ValueError, match="lr must be in"):
        du.revival_run(2, 0.0)


def test_revival_run_default_is_the_relu_network_trained_by_track_dead():
    """The ``activation`` keyword (chapter 7) leaves the default run exactly as it was."""
    trace = du.revival_run(3, 0.2, 1, epochs=3, width=8, n_train=64)
    assert trace is du.revival_run(3, 0.2, 1, epochs=3, width=8, n_train=64, activation="relu")
    split = data.digits(np.random.default_rng(0))
    X, y = split.X_train[:64], split.y_train[:64]
    net = mlp.MLP.initialise([64, 8, 8, 8, split.n_classes], "relu", "he_normal", np.random.default_rng(1))
    by_hand = du.track_dead(net, X, y, epochs=3, lr=0.2, rng=np.random.default_rng(10_001))
    for a, b in zip(trace.masks, by_hand.masks, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(trace.loss, by_hand.loss)
    np.testing.assert_array_equal(trace.train_accuracy, by_hand.train_accuracy)


def test_revival_run_takes_a_leaky_relu():
    leaky = activations.get("leaky_relu", alpha=0.1)
    trace = du.revival_run(3, 0.2, 1, epochs=3, width=8, n_train=64, activation=leaky)
    # cached by name and parameters, not by object
    again = activations.get("leaky_relu", alpha=0.1)
    assert trace is du.revival_run(3, 0.2, 1, epochs=3, width=8, n_train=64, activation=again)
    relu = du.revival_run(3, 0.2, 1, epochs=3, width=8, n_train=64)
    assert not np.array_equal(trace.loss, relu.loss)
    assert trace.loss[0] != relu.loss[0]  # the same weights give another output through another activation
    with pytest.raises(ValueError, match="activation must be one of"):
        du.revival_run(2, 0.1, activation="leaky")
    with pytest.raises(ValueError, match="activation must be one of"):
        du.revival_run(
            2, 0.1, activation=activations.custom("relu", lambda z: z, lambda z: 1.0 + 0 * z, activations.x)
        )
    with pytest.raises(TypeError, match="activation must be a name"):
        du.revival_run(2, 0.1, activation=0.1)


# --------------------------------------------------------------------------
# dead_sweep
# --------------------------------------------------------------------------
SMALL = {"depths": (1, 3), "lrs": (0.05, 0.2), "inits": ("he_normal", "xavier_normal"), "seeds": (0, 1)}


def test_sweep_shapes_ranges_and_cache():
    kw = {**SMALL, "epochs": 2, "n_train": 64, "width": 8}
    sw = du.dead_sweep(**kw)
    assert sw.final.shape == sw.accuracy.shape == sw.diverged.shape == (2, 2, 2, 2)
    assert sw.curve("he_normal", 3, 0.2).shape == (2, 3, 3)
    assert np.all((sw.final >= 0) & (sw.final <= 1))
    assert np.all((sw.accuracy >= 0) & (sw.accuracy <= 1))
    assert not sw.diverged.any()
    # the final value is the last row of the curve, pooled over the (equal-width) layers
    assert sw.final[0, 1, 1, 0] == pytest.approx(sw.curve("he_normal", 3, 0.2)[0, -1].mean())
    assert du.dead_sweep(**kw) is sw
    with pytest.raises(ValueError, match="read-only"):
        sw.final[0, 0, 0, 0] = 1.0


def test_the_default_sweep_has_five_seeds_per_setting():
    # Chapter 6 reports the median and range of every setting over the default seeds.
    default = inspect.signature(du.dead_sweep).parameters["seeds"].default
    assert len(default) >= 5 and len(set(default)) == len(default)


def test_he_and_xavier_have_the_same_dead_units_before_training():
    # Zero biases make a ReLU network positively homogeneous: rescaling a layer's
    # weights cannot change the sign of any pre-activation, and both schemes scale
    # the same standard-normal draws.
    sw = du.dead_sweep(**{**SMALL, "depths": (6,), "epochs": 1, "n_train": 64, "width": 4})
    he = sw.curve("he_normal", 6, 0.05)[:, 0]
    xavier = sw.curve("xavier_normal", 6, 0.05)[:, 0]
    assert np.array_equal(he, xavier)


def test_a_diverging_run_is_recorded_not_raised():
    # One run of the chapter's sweep overflows (softmax cross-entropy keeps most
    # ReLU runs finite even at absurd learning rates, so this is the cheap one).
    sw = du.dead_sweep(depths=(8,), lrs=(1.0,), inits=("he_normal",), seeds=(0,))
    assert sw.diverged.all() and np.isnan(sw.final).all() and np.isnan(sw.accuracy).all()
    curve = sw.curve("he_normal", 8, 1.0)[0]
    assert not np.isnan(curve[0]).any()  # the state before training is always known
    assert np.isnan(curve[-1]).all()  # and nothing after the overflow
    finite = ~np.isnan(curve).any(axis=1)
    assert finite[: finite.sum()].all()  # the known rows come first, without gaps


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"depths": (0,)}, ValueError, "depths"),
        ({"lrs": (-0.1,)}, ValueError, "lrs"),
        ({"lrs": (0.1, 0.1)}, ValueError, "without repeats"),
        ({"inits": ("he",)}, ValueError, "init must be one of"),
        ({"seeds": ()}, ValueError, "at least one value"),
        ({"n_train": 5000}, ValueError, "n_train"),
        ({"epochs": 0}, ValueError, "epochs"),
    ],
)
def test_sweep_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        du.dead_sweep(**kwargs)


def test_curve_names_what_the_sweep_contains():
    sw = du.dead_sweep(**{**SMALL, "epochs": 2, "n_train": 64, "width": 8})
    with pytest.raises(ValueError, match="not in the sweep"):
        sw.curve("he_normal", 2, 0.05)


# --------------------------------------------------------------------------
# init_profiles: He keeps the ReLU statistics, Xavier halves the variance per layer
# --------------------------------------------------------------------------
def test_he_keeps_the_predicted_activation_spread():
    prof = du.init_profiles(10, "he_normal", width=256, seeds=(0, 1), n_samples=256)
    assert prof.act_std.shape == (2, 10) and prof.layers.tolist() == list(range(1, 11))
    # relu(z) for z ~ N(0, 2): sqrt(E[relu^2] - E[relu]^2) = sqrt(1 - 1/pi)
    assert prof.geometric_mean("act_std") == pytest.approx(np.sqrt(1 - 1 / np.pi), rel=0.15)
    # and mean E[relu(z)] = sqrt(2) / sqrt(2 pi) = 1 / sqrt(pi)
    assert prof.act_mean.mean(axis=0) == pytest.approx(1 / np.sqrt(np.pi), rel=0.15)


def test_xavier_loses_a_factor_sqrt_half_per_layer_in_both_directions():
    prof = du.init_profiles(20, "xavier_normal", width=256, seeds=(0, 1), n_samples=256)
    act, delta = prof.geometric_mean("act_std"), prof.geometric_mean("delta_std")
    forward = np.exp(np.mean(np.log(act[1:] / act[:-1])))
    backward = np.exp(np.mean(np.log(delta[:-1] / delta[1:])))
    assert forward == pytest.approx(np.sqrt(0.5), rel=0.03)
    assert backward == pytest.approx(np.sqrt(0.5), rel=0.03)


def test_batch_norm_makes_the_forward_statistics_independent_of_the_weight_scale():
    # (weights large enough that the 1e-5 added to the batch variance does not matter)
    small = du.init_profiles(8, "normal(0.1)", width=64, seeds=(0,), n_samples=64, batch_norm=True)
    large = du.init_profiles(8, "normal(2.0)", width=64, seeds=(0,), n_samples=64, batch_norm=True)
    np.testing.assert_allclose(small.act_std, large.act_std, rtol=1e-3)
    # standardised input to the ReLU: mean 1/sqrt(2 pi), std sqrt(1/2 - 1/(2 pi)) in layer 1
    assert small.act_mean[0, 0] == pytest.approx(1 / np.sqrt(2 * np.pi), rel=0.02)
    assert small.act_std[0, 0] == pytest.approx(np.sqrt(0.5 - 0.5 / np.pi), rel=0.02)


def test_layer_norm_makes_the_forward_statistics_independent_of_the_weight_scale():
    small = du.init_profiles(8, "normal(0.1)", width=64, seeds=(0, 1), n_samples=64, layer_norm=True)
    large = du.init_profiles(8, "normal(2.0)", width=64, seeds=(0, 1), n_samples=64, layer_norm=True)
    np.testing.assert_allclose(small.act_std, large.act_std, rtol=1e-3)
    # each example standardised over its 64 units: relu mean 1/sqrt(2 pi), std sqrt(1/2 - 1/(2 pi))
    assert small.act_mean[:, 0].mean() == pytest.approx(1 / np.sqrt(2 * np.pi), rel=0.03)
    assert small.act_std[:, 0].mean() == pytest.approx(np.sqrt(0.5 - 0.5 / np.pi), rel=0.03)
    # and it is not batch normalisation: the per-layer numbers differ from the batch-normalised ones
    bn = du.init_profiles(8, "normal(0.1)", width=64, seeds=(0, 1), n_samples=64, batch_norm=True)
    assert not np.allclose(bn.grad_w_norm, small.grad_w_norm, rtol=1e-2)


def test_torch_default_shrinks_the_relu_signal_by_sqrt_one_sixth_per_layer():
    prof = du.init_profiles(20, "torch_default", width=256, seeds=(0, 1), n_samples=256)
    delta = prof.geometric_mean("delta_std")
    act = prof.geometric_mean("act_std")
    backward = np.exp(np.mean(np.log(delta[:-1] / delta[1:])))
    forward = np.exp(np.mean(np.log(act[1:] / act[:-1])))
    assert backward == pytest.approx(np.sqrt(1 / 6), rel=0.03)
    assert forward == pytest.approx(np.sqrt(1 / 6), rel=0.03)


def test_init_profiles_layer_norm_flag_is_checked_and_backward_compatible():
    a = du.init_profiles(3, "he_normal", width=16, seeds=(0,), n_samples=16)
    assert a is du.init_profiles(3, "he_normal", width=16, seeds=(0,), n_samples=16, layer_norm=False)
    b = du.init_profiles(3, "he_normal", width=16, seeds=(0,), n_samples=16, layer_norm=True)
    assert b is du.init_profiles(3, "he_normal", width=16, seeds=(0,), n_samples=16, layer_norm=True)
    assert not np.allclose(a.act_std, b.act_std)
    with pytest.raises(TypeError, match="layer_norm"):
        du.init_profiles(3, "he_normal", layer_norm="yes")
    with pytest.raises(ValueError, match="at most one"):
        du.init_profiles(3, "he_normal", batch_norm=True, layer_norm=True)


def test_geometric_mean_is_the_geometric_mean_and_names_its_fields():
    prof = du.init_profiles(3, "he_normal", width=16, seeds=(0, 1), n_samples=16)
    a, b = prof.delta_std
    assert prof.geometric_mean("delta_std") == pytest.approx(np.sqrt(a * b))
    with pytest.raises(ValueError, match="field must be one of"):
        prof.geometric_mean("init")
    bad = du.InitProfiles(
        init="he_normal",
        layers=np.arange(1, 3),
        act_mean=np.zeros((1, 2)),
        act_std=np.ones((1, 2)),
        delta_std=np.ones((1, 2)),
        grad_w_norm=np.ones((1, 2)),
    )
    with pytest.raises(ValueError, match="no geometric mean"):
        bad.geometric_mean("act_mean")


def test_init_profiles_is_cached_and_checks_its_arguments():
    a = du.init_profiles(3, "he_normal", width=16, seeds=(0,), n_samples=16)
    assert a is du.init_profiles(3, "he_normal", width=16, seeds=(0,), n_samples=16)
    with pytest.raises(ValueError, match="read-only"):
        a.act_std[0, 0] = 1.0
    with pytest.raises(ValueError, match="depth"):
        du.init_profiles(0, "he_normal")
    with pytest.raises(ValueError, match="seeds must list"):
        du.init_profiles(3, "he_normal", seeds=())
    with pytest.raises(TypeError, match="batch_norm"):
        du.init_profiles(3, "he_normal", batch_norm="yes")


# --------------------------------------------------------------------------
# revival_seeds
# --------------------------------------------------------------------------
def test_revival_seeds_totals_each_revival_run_and_records_overflows():
    rs = du.revival_seeds((0.3, 0.4), 8, (0, 3), epochs=30)
    assert rs.ever_dead.shape == rs.accuracy.shape == rs.overflowed.shape == (2, 2)
    run = du.revival_run(8, 0.3, 0, epochs=30)
    assert rs.ever_dead[0, 0] == run.ever_dead().sum() and rs.revived[0, 0] == run.revived().sum()
    assert rs.dead_at_end[0, 0] == run.dead_at_end().sum()
    assert rs.first_layer_ever_dead[0, 0] == run.ever_dead()[0]
    assert rs.accuracy[0, 0] == run.train_accuracy[-1]
    assert rs.revived_share()[0, 0] == pytest.approx(run.revived().sum() / run.ever_dead().sum())
    # seed 0 at lr 0.4 loses a whole layer; seed 3 at lr 0.4 overflows
    assert rs.layer_lost[1, 0] and not rs.layer_lost[0, 0]
    assert rs.overflowed[1, 1] and not rs.overflowed[0].any()
    assert np.isnan(rs.accuracy[1, 1]) and np.isnan(rs.revived_share()[1, 1])
    assert du.revival_seeds((0.3, 0.4), 8, (0, 3), epochs=30) is rs
    with pytest.raises(ValueError, match="read-only"):
        rs.accuracy[0, 0] = 0.0


def test_revival_seeds_refuses_bad_arguments():
    with pytest.raises(ValueError, match="seeds must list"):
        du.revival_seeds((0.3,), 2, ())
    with pytest.raises(ValueError, match="lrs must list"):
        du.revival_seeds((0.3, 0.3), 2, (0,))
    with pytest.raises(ValueError, match="lrs"):
        du.revival_seeds((-0.1,), 2, (0,))
    with pytest.raises(ValueError, match="depth"):
        du.revival_seeds((0.3,), 0, (0,))
