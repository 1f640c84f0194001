"""Chapter 10's gradient lab: measurements, the training loop, caching, gradient checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from vanishing.core import activations, mlp, training
from vanishing.experiments import gradient_lab

SMALL = {"width": 8, "epochs": 2}  # a cheap run for tests that only need the machinery


# -- the measurements ----------------------------------------------------------
def test_relative_update_of_known_matrices():
    before = [np.eye(2), np.ones((2, 3)), np.zeros((1, 1)), np.zeros((1, 1))]
    after = [2 * np.eye(2), np.ones((2, 3)), np.ones((1, 1)), np.zeros((1, 1))]
    # ||2I - I|| / ||I|| = 1; no change; from zero to non-zero: inf; zero stays zero: 0
    np.testing.assert_array_equal(gradient_lab.relative_update(before, after), [1.0, 0.0, np.inf, 0.0])
    # a step of 10 % along the matrix itself: ||0.1 W|| / ||W|| = 0.1
    np.testing.assert_allclose(
        gradient_lab.relative_update([np.array([[3.0, 4.0]])], [np.array([[3.3, 4.4]])]), [0.1]
    )


def test_relative_update_refuses_mismatched_lists():
    with pytest.raises(ValueError, match="same length"):
        gradient_lab.relative_update([np.eye(2)], [])
    with pytest.raises(ValueError, match="shape"):
        gradient_lab.relative_update([np.eye(2)], [np.eye(3)])


def test_speed_ratio_is_last_over_first_per_row_without_warnings():
    np.testing.assert_array_equal(gradient_lab.speed_ratio([[1.0, 2.0, 4.0], [2.0, 0.0, 1.0]]), [4.0, 0.5])
    assert gradient_lab.speed_ratio([[0.0, 1.0]])[0] == np.inf  # error::RuntimeWarning would fail here
    with pytest.raises(ValueError, match="two layers"):
        gradient_lab.speed_ratio([1.0])


def test_digits_split_is_fixed_and_read_only():
    d = gradient_lab.lab_data()
    assert d.X_train.shape == (1348, 64) and d.X_test.shape == (449, 64)
    assert d is gradient_lab.lab_data()
    with pytest.raises(ValueError):
        d.X_train[0, 0] = 1.0


# -- the training loop ---------------------------------------------------------
@pytest.mark.parametrize("batch_norm", [False, True])
def test_train_and_measure_takes_exactly_the_steps_of_training_train(batch_norm):
    split = gradient_lab.lab_data()

    def fresh():
        return mlp.MLP.initialise(
            [64, 8, 8, 8, 10], "tanh", "xavier_normal", np.random.default_rng(3), batch_norm=batch_norm
        )

    ours, theirs = fresh(), fresh()
    start = [w.copy() for w in ours.weights]
    m = gradient_lab.train_and_measure(
        ours, split, epochs=2, lr=0.1, batch_size=64, rng=np.random.default_rng(4)
    )
    h = training.train(
        theirs,
        split,
        epochs=2,
        lr=0.1,
        batch_size=64,
        rng=np.random.default_rng(4),
    )
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(m["grad_norm"], h.grad_norm, rtol=1e-12)
    np.testing.assert_array_equal(m["test_accuracy"], h.test_accuracy)
    assert m["train_accuracy"] == h.train_accuracy[-1]
    np.testing.assert_array_equal(m["dead"], h.dead[[0, -1]])
    assert m["diverged_at"] is None
    # over a single epoch the relative update is the whole change of the weights
    one = fresh()
    m1 = gradient_lab.train_and_measure(
        one, split, epochs=1, lr=0.1, batch_size=64, rng=np.random.default_rng(4)
    )
    expected = [np.linalg.norm(w - w0) / np.linalg.norm(w0) for w, w0 in zip(one.weights, start, strict=True)]
    np.testing.assert_allclose(m1["rel_update"][0], expected, rtol=1e-12)


def test_train_and_measure_refuses_bad_arguments():
    net = mlp.MLP.initialise([64, 4, 10], "relu", "he_normal", np.random.default_rng(0))
    split = gradient_lab.lab_data()
    with pytest.raises(TypeError, match="net"):
        gradient_lab.train_and_measure(
            "net", split, epochs=1, lr=0.1, batch_size=8, rng=np.random.default_rng(0)
        )
    with pytest.raises(TypeError, match="split"):
        gradient_lab.train_and_measure(
            net, (1, 2), epochs=1, lr=0.1, batch_size=8, rng=np.random.default_rng(0)
        )
    with pytest.raises(ValueError, match="lr"):
        gradient_lab.train_and_measure(
            net, split, epochs=1, lr=0.0, batch_size=8, rng=np.random.default_rng(0)
        )
    with pytest.raises(TypeError, match="rng"):
        gradient_lab.train_and_measure(net, split, epochs=1, lr=0.1, batch_size=8, rng=0)


def test_a_diverging_run_is_recorded_not_raised():
    r = gradient_lab.run("selu", "he_normal", 3, lr=1e3, **SMALL)
    assert r.diverged and r.diverged_at == 1
    assert np.isnan(r.final_accuracy) and np.all(np.isnan(r.rel_update))
    assert "diverged in epoch 1" in gradient_lab.format_table([r])
    assert "diverged in epoch 1" in gradient_lab.summarise(r)


# -- runs, caching, validation --------------------------------------------------
def test_run_shapes_and_cache():
    r = gradient_lab.run("tanh", "xavier_normal", 3, **SMALL)
    assert r is gradient_lab.run("tanh", "xavier_normal", 3, **SMALL)  # cached, not retrained
    assert r.grad_norm.shape == r.rel_update.shape == (2, 4)
    assert r.test_accuracy.shape == (3,) and r.dead.shape == r.saturated.shape == (2, 3)
    assert r.update_ratio.shape == r.grad_ratio.shape == (2,)
    with pytest.raises(ValueError):
        r.test_accuracy[0] = 1.0  # shared by every caller: read-only
    assert r.label == "tanh + xavier_normal"
    other_seed = gradient_lab.run("tanh", "xavier_normal", 3, seed=1, **SMALL)
    assert not np.array_equal(other_seed.grad_norm, r.grad_norm)


def test_small_normal_uses_std_0_01():
    split = gradient_lab.lab_data()
    net = gradient_lab._network("relu", "small_normal", 3, 500, np.random.default_rng(0), False, False)
    assert net.sizes == [split.n_features, 500, 500, 500, 10]
    assert np.std(net.weights[1]) == pytest.approx(gradient_lab.SMALL_STD, rel=0.01)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"activation": "swishy"}, ValueError, "activation must be an Activation or one of"),
        ({"init": "normal"}, ValueError, "init must be one of"),
        ({"depth": 0}, ValueError, "depth"),
        ({"depth": 2.5}, TypeError, "depth"),
        ({"width": 0}, ValueError, "width"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"batch_size": 1}, ValueError, "batch_size"),
        ({"seed": -1}, ValueError, "seed"),
        ({"batch_norm": "yes"}, TypeError, "batch_norm"),
        ({"residual": 1}, TypeError, "residual"),
        ({"optimiser": "rmsprop"}, ValueError, "optimiser must be one of"),
    ],
)
def test_run_validates_its_settings(kwargs, error, match):
    args = {"activation": "relu", "init": "he_normal", "depth": 3} | kwargs
    activation, init, depth = args.pop("activation"), args.pop("init"), args.pop("depth")
    with pytest.raises(error, match=match):
        gradient_lab.run(activation, init, depth, **args)


def test_sweep_order_and_table_format():
    runs = gradient_lab.sweep(("sigmoid", "relu"), ("xavier_normal", "he_normal"), (2,), **SMALL)
    assert [(r.activation, r.init) for r in runs] == [
        ("sigmoid", "xavier_normal"),
        ("sigmoid", "he_normal"),
        ("relu", "xavier_normal"),
        ("relu", "he_normal"),
    ]
    lines = gradient_lab.format_table(runs).splitlines()
    assert len(lines) == 2 + len(runs)
    assert lines[0].split()[:3] == ["activation", "init", "test"]
    assert set(lines[1]) == {"-"}
    assert lines[2].endswith(" s") and lines[4].endswith(" d")  # saturation for sigmoid, dead for relu
    assert f"{runs[0].final_accuracy:8.3f}" in lines[2]
    with pytest.raises(ValueError, match="at least one"):
        gradient_lab.format_table([])
    with pytest.raises(TypeError, match="LabRun"):
        gradient_lab.format_table(["run"])


# -- what the lab finds (behaviour the chapter relies on) ------------------------
def test_deep_sigmoid_network_stalls_and_relu_with_he_trains():
    sig = gradient_lab.run("sigmoid", "xavier_normal")
    relu = gradient_lab.run("relu", "he_normal")
    assert sig.update_ratio[0] > 1e4 and sig.final_accuracy < 0.2
    assert 0.1 < relu.update_ratio[0] < 10 and relu.final_accuracy > 0.6


def test_batch_norm_and_residual_connections_close_the_gap_for_sigmoid():
    plain = gradient_lab.run("sigmoid", "xavier_normal")
    for kw in ({"batch_norm": True}, {"residual": True}):
        r = gradient_lab.run("sigmoid", "xavier_normal", **kw)
        assert r.update_ratio[0] < 1e-3 * plain.update_ratio[0]


# -- gradient checks -------------------------------------------------------------
@pytest.mark.parametrize(
    ("activation", "init", "kw"),
    [
        ("sigmoid", "xavier_normal", {}),
        ("relu", "he_normal", {}),
        ("selu", "lecun_normal", {}),
        ("gelu", "he_normal", {}),
        ("tanh", "xavier_normal", {"batch_norm": True}),
        ("elu", "he_normal", {"residual": True}),
    ],
)
def test_gradient_check_agrees_with_central_differences(activation, init, kw):
    gc = gradient_lab.gradient_check(activation, init, **kw)
    assert gc.analytic.shape == gc.numeric.shape == (11,)
    assert np.all(gc.analytic > 0)
    assert np.max(gc.relative_error) < 1e-4


def test_gradient_check_covers_a_gradient_a_million_times_smaller():
    gc = gradient_lab.gradient_check("sigmoid", "xavier_normal")
    assert gc.analytic[-1] / gc.analytic[0] > 1e5
    assert gc.relative_error[0] < 1e-4


def test_gradient_check_entrywise_on_a_small_lab_network():
    # independent of the directional check: every entry of W_1 by central differences
    split = gradient_lab.lab_data()
    X, y = split.X_train[:16], split.y_train[:16]
    net = gradient_lab._network("gelu", "he_normal", 3, 4, np.random.default_rng(5), False, False)
    g = net.loss_and_gradients(X, y, "cross_entropy").weights[0]
    (numeric,) = mlp.numerical_gradients(net, X, y, "cross_entropy", params=[net.weights[0]])
    np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-9)


def test_gradient_check_validates():
    with pytest.raises(ValueError, match="h"):
        gradient_lab.gradient_check("relu", "he_normal", h=0.0)
    with pytest.raises(ValueError, match="n_examples"):
        gradient_lab.gradient_check("relu", "he_normal", n_examples=1)


# -- forward and backward factors ------------------------------------------------
def test_gradient_norm_is_input_norm_times_backward_norm():
    s = gradient_lab.layer_signals("sigmoid", "xavier_normal", n_examples=8)
    assert s.forward.shape == s.backward.shape == s.grad.shape == (8, 11)
    # forward norms come from a separate forward pass, the rest from back-propagation
    np.testing.assert_allclose(s.forward * s.backward, s.grad, rtol=1e-12)
    np.testing.assert_allclose(s.forward[:, 0], np.linalg.norm(gradient_lab.lab_data().X_train[:8], axis=1))
    assert s.identity_error < 1e-12


def test_last_over_first_is_a_geometric_mean_of_known_ratios():
    ones = np.ones((2, 3))
    s = gradient_lab.LayerSignals(
        forward=np.array([[1.0, 5.0, 2.0], [4.0, 5.0, 2.0]]),  # ratios 2 and 1/2: geometric mean 1
        backward=np.array([[1.0, 1.0, 100.0], [1.0, 1.0, 10_000.0]]),  # 100 and 10^4: mean 10^3
        grad=ones,
    )
    fwd, bwd, grad = s.last_over_first()
    assert fwd == pytest.approx(1.0) and bwd == pytest.approx(1e3) and grad == 1.0
    assert s.identity_error == pytest.approx(19_999.0)  # worst entry: 2 * 10^4 against a gradient of 1


@pytest.mark.parametrize(
    ("activation", "init", "predicted", "rel"),
    [
        # small-signal prediction sqrt(n Var(w)) |f'(0)|, or sqrt(n Var(w) / 2) for ReLU
        ("sigmoid", "xavier_normal", 0.25, 0.15),
        ("sigmoid", "he_normal", np.sqrt(2) / 4, 0.15),
        ("sigmoid", "small_normal", 0.25 * gradient_lab.SMALL_STD * np.sqrt(32), 0.05),
        ("relu", "he_normal", 1.0, 0.1),
        ("relu", "xavier_normal", np.sqrt(0.5), 0.1),
        ("gelu", "xavier_normal", 0.5, 0.15),
    ],
)
def test_backward_factor_matches_the_small_signal_prediction(activation, init, predicted, rel):
    factor = gradient_lab.backward_factor(gradient_lab.layer_signals(activation, init))
    assert factor == pytest.approx(predicted, rel=rel)


def test_backward_factor_validates():
    with pytest.raises(TypeError, match="LayerSignals"):
        gradient_lab.backward_factor("signals")
    with pytest.raises(ValueError, match="two hidden layers"):
        gradient_lab.backward_factor(gradient_lab.layer_signals("relu", "he_normal", 1, n_examples=2))


def test_a_custom_activation_object_runs_in_the_lab():
    # LeCun's scaled tanh, 1.7159 tanh(2x/3), built as a reader would in chapter 11
    expr = 1.7159 * sympy.tanh(2 * activations.x / 3)
    scaled = activations.custom(
        "scaled_tanh",
        lambda z: 1.7159 * np.tanh(2 * z / 3),
        lambda z: 1.7159 * (2 / 3) / np.cosh(2 * z / 3) ** 2,
        expr,
    )
    r = gradient_lab.run(scaled, "lecun_normal", 3, **SMALL)
    assert r.activation == "scaled_tanh" and r is gradient_lab.run(scaled, "lecun_normal", 3, **SMALL)
    assert np.all(np.isfinite(r.rel_update))
    assert np.max(gradient_lab.gradient_check(scaled, "lecun_normal", 3).relative_error) < 1e-4


def test_seed_runs_repeat_one_setting_over_the_seeds():
    runs = gradient_lab.seed_runs("tanh", "xavier_normal", 2, seeds=(0, 3), epochs=1)
    assert [r.seed for r in runs] == [0, 3]
    assert runs[1] is gradient_lab.run("tanh", "xavier_normal", 2, seed=3, epochs=1)
    assert [r.seed for r in gradient_lab.seed_runs("tanh", "xavier_normal", 2, epochs=1)] == list(
        gradient_lab.SEEDS
    )
    assert len(gradient_lab.SEEDS) >= 5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seeds": ()}, ValueError, "seeds"),
        ({"seeds": 3}, TypeError, "seeds"),
        ({"seeds": (0, 1), "seed": 2}, TypeError, "seeds"),
        ({"seeds": (0, -1)}, ValueError, "seed"),
    ],
)
def test_seed_runs_validates(kwargs, error, match):
    with pytest.raises(error, match=match):
        gradient_lab.seed_runs("tanh", "xavier_normal", 2, epochs=1, **kwargs)


def test_seed_table_counts_median_and_range():
    runs = gradient_lab.seed_runs("tanh", "xavier_normal", 2, seeds=(0, 1, 2), epochs=1)
    acc = np.array([r.final_accuracy for r in runs])
    line = gradient_lab.format_seed_table([runs]).splitlines()[2]
    assert line.startswith("tanh xavier_normal")
    assert " ".join(f"{a:5.3f}" for a in acc) in line
    assert f"{int(np.sum(acc > gradient_lab.TRAINED))} of 3" in line
    assert f"{np.median(acc):6.3f}  {acc.min():5.3f}-{acc.max():5.3f}" in line
    assert f"{np.median([r.update_ratio[0] for r in runs]):9.1e}" in line


def test_seed_table_reports_diverged_runs_and_validates():
    diverged = gradient_lab.seed_runs("selu", "he_normal", 3, seeds=(0, 1), lr=1e3, width=8, epochs=2)
    assert all(r.diverged for r in diverged)
    line = gradient_lab.format_seed_table([diverged]).splitlines()[2]
    assert "  div   div" in line and "0 of 2" in line and "every run diverged, in epoch 1" in line
    with pytest.raises(ValueError, match="groups"):
        gradient_lab.format_seed_table([])
    with pytest.raises(ValueError, match="groups"):
        gradient_lab.format_seed_table([[]])
    with pytest.raises(TypeError, match="LabRun"):
        gradient_lab.format_seed_table([[1.0]])
    mixed = [diverged[0], gradient_lab.run("selu", "he_normal", 3, seed=1, width=8, epochs=2)]
    with pytest.raises(ValueError, match="same settings"):
        gradient_lab.format_seed_table([mixed])


def test_digit_spread_separates_what_differs_from_what_is_shared():
    spread, level = gradient_lab.digit_spread("sigmoid", "xavier_normal", 3, seed=1)
    assert spread.shape == level.shape == (4,)
    X = gradient_lab.lab_data().X_train
    assert spread[0] == pytest.approx(X.std(axis=0).mean())  # standardised pixels
    assert level[0] < 1e-12
    assert np.all(np.abs(level[1:] - 0.5) < 0.1)  # sigmoid outputs sit near 1/2
    assert np.all(np.diff(spread[1:]) < 0)  # the digit-dependent part shrinks
    # ReLU is positively homogeneous: Xavier's smaller weights scale the same network down
    s_he, l_he = gradient_lab.digit_spread("relu", "he_normal", 3)
    s_xa, l_xa = gradient_lab.digit_spread("relu", "xavier_normal", 3)
    np.testing.assert_allclose(s_xa[1:] / l_xa[1:], s_he[1:] / l_he[1:], rtol=1e-10)
    with pytest.raises(ValueError, match="init"):
        gradient_lab.digit_spread("relu", "huge")


# -- Adam, the diagnostics report and the update-to-data ratio ------------------
def test_train_and_measure_with_adam_takes_the_steps_of_training_train():
    split = gradient_lab.lab_data()

    def fresh():
        return mlp.MLP.initialise([64, 8, 8, 10], "relu", "xavier_normal", np.random.default_rng(3))

    ours, theirs, sgd = fresh(), fresh(), fresh()
    kw = {"epochs": 2, "lr": 1e-3, "batch_size": 64}
    m = gradient_lab.train_and_measure(ours, split, rng=np.random.default_rng(4), optimiser="adam", **kw)
    h = training.train(theirs, split, rng=np.random.default_rng(4), optimiser="adam", **kw)
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(m["test_accuracy"], h.test_accuracy)
    gradient_lab.train_and_measure(sgd, split, rng=np.random.default_rng(4), **kw)
    assert not np.array_equal(sgd.weights[0], ours.weights[0])  # the default is not Adam
    with pytest.raises(ValueError, match="optimiser"):
        gradient_lab.train_and_measure(
            fresh(), split, rng=np.random.default_rng(4), optimiser="adagrad", **kw
        )


def test_adam_runs_are_cached_separately_and_labelled():
    sgd = gradient_lab.run("relu", "xavier_normal", 3, lr=1e-3, **SMALL)
    adam = gradient_lab.run("relu", "xavier_normal", 3, lr=1e-3, optimiser="adam", **SMALL)
    assert adam is gradient_lab.run("relu", "xavier_normal", 3, lr=1e-3, optimiser="adam", **SMALL)
    assert sgd.optimiser == "sgd" and adam.optimiser == "adam"
    assert adam.label == "relu + xavier_normal + adam" and sgd.label == "relu + xavier_normal"
    assert not np.array_equal(adam.rel_update, sgd.rel_update)
    # at lr 1e-3 Adam's steps are about lr per weight in every layer, SGD's first-layer step is far smaller
    assert adam.rel_update[0, 0] > 3 * sgd.rel_update[0, 0]
    table = gradient_lab.format_seed_table(
        [gradient_lab.seed_runs("relu", "xavier_normal", 3, seeds=(0, 1), lr=1e-3, optimiser="adam", **SMALL)]
    )
    assert "relu adam xavier_normal" in table
    with pytest.raises(ValueError, match="same settings"):
        gradient_lab.format_seed_table([[sgd, adam]])


def test_lab_report_is_network_report_of_the_first_and_last_network():
    from vanishing.core import diagnostics

    split = gradient_lab.lab_data()
    start = gradient_lab._network("tanh", "xavier_normal", 3, 8, gradient_lab._generators(0)[0], False, False)
    expected = diagnostics.network_report(start, split.X_train[:64], split.y_train[:64])
    got = gradient_lab.lab_report("tanh", "xavier_normal", 3, n_examples=64, **SMALL)
    np.testing.assert_array_equal(got.grad_std, expected.grad_std)
    np.testing.assert_array_equal(got.grad_to_data, expected.grad_to_data)
    assert got is gradient_lab.lab_report("tanh", "xavier_normal", 3, n_examples=64, **SMALL)  # cached
    after = gradient_lab.lab_report("tanh", "xavier_normal", 3, trained=True, n_examples=64, **SMALL)
    assert len(after.grad_std) == 3 and not np.array_equal(after.grad_std, got.grad_std)
    # the trained network is the run's: re-train by hand and compare
    init_rng, order_rng = gradient_lab._generators(0)
    net = gradient_lab._network("tanh", "xavier_normal", 3, 8, init_rng, False, False)
    gradient_lab.train_and_measure(net, split, epochs=2, lr=0.1, batch_size=64, rng=order_rng)
    again = diagnostics.network_report(net, split.X_train[:64], split.y_train[:64])
    np.testing.assert_array_equal(after.grad_to_data, again.grad_to_data)


def test_the_starved_sigmoid_report_shows_a_vanishing_gradient_without_saturation():
    rep = gradient_lab.lab_report("sigmoid", "xavier_normal")
    assert rep.grad_std[-1] / rep.grad_std[0] > 1e4  # about 1/4 per layer over ten layers
    assert rep.saturated.max() < 0.01 and rep.dead.max() == 0.0
    relu = gradient_lab.lab_report("relu", "he_normal")
    assert relu.grad_std[-1] / relu.grad_std[0] < 10


def test_lab_report_validates_and_refuses_a_diverged_run():
    with pytest.raises(TypeError, match="trained"):
        gradient_lab.lab_report("relu", "he_normal", 3, trained="yes")
    with pytest.raises(ValueError, match="n_examples"):
        gradient_lab.lab_report("relu", "he_normal", 3, n_examples=1)
    with pytest.raises(ValueError, match="diverged"):
        gradient_lab.lab_report("selu", "he_normal", 3, trained=True, lr=1e3, **SMALL)


def test_update_history_repeats_the_run_with_training_train():
    r = gradient_lab.run("tanh", "xavier_normal", 3, **SMALL)
    h = gradient_lab.update_history("tanh", "xavier_normal", 3, **SMALL)
    assert h is gradient_lab.update_history("tanh", "xavier_normal", 3, **SMALL)
    np.testing.assert_array_equal(h.test_accuracy, r.test_accuracy)  # the same steps
    steps_per_epoch = int(np.ceil(len(gradient_lab.lab_data().y_train) / 64))
    assert h.update_ratios.shape == (2 * steps_per_epoch, 4)
    assert np.all(h.update_ratios > 0)
    with pytest.raises(ValueError, match="optimiser"):
        gradient_lab.update_history("tanh", "xavier_normal", 3, optimiser="lbfgs")
