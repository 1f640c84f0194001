"""SGD training, dead and saturated units, clipping, and the offline data sets."""

import numpy as np
import pytest

from vanishing.core import data, diagnostics, mlp, optimisers, training


@pytest.fixture(scope="module")
def moons():
    return data.two_moons(400, np.random.default_rng(0))


def test_training_lowers_the_loss_and_learns_the_moons(moons):
    net = mlp.MLP.initialise([2, 32, 32, 2], "relu", "he_normal", np.random.default_rng(1))
    h = training.train(
        net,
        moons,
        epochs=40,
        lr=0.1,
        rng=np.random.default_rng(2),
    )
    assert h.loss.shape == (41,) and h.grad_norm.shape == (40, 3) and h.dead.shape == (41, 2)
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert h.test_accuracy[-1] > 0.9 and h.train_accuracy[-1] > 0.9
    assert h.train_accuracy[-1] == training.accuracy(net, moons.X_train, moons.y_train)


def test_training_is_reproducible_with_the_same_generators(moons):
    runs = []
    for _ in range(2):
        net = mlp.MLP.initialise([2, 8, 2], "tanh", "xavier_normal", np.random.default_rng(3))
        runs.append(training.train(net, moons, epochs=3, lr=0.1, rng=np.random.default_rng(4)).loss)
    np.testing.assert_array_equal(runs[0], runs[1])


def test_one_step_is_exactly_an_sgd_step(moons):
    net = mlp.MLP.initialise([2, 4, 2], "tanh", "xavier_normal", np.random.default_rng(5))
    before = [p.copy() for p in net.parameters()]
    g = net.loss_and_gradients(moons.X_train[:10], moons.y_train[:10], "cross_entropy")
    training.train(
        net,
        (moons.X_train[:10], moons.y_train[:10]),
        epochs=1,
        lr=0.3,
        batch_size=10,
        rng=np.random.default_rng(0),
    )
    for b, a, gr in zip(before, net.parameters(), g.as_list(), strict=True):
        np.testing.assert_allclose(a, b - 0.3 * gr, atol=1e-14)


def test_regression_loss_and_nan_accuracy():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    net = mlp.MLP.initialise([3, 16, 1], "tanh", "xavier_normal", rng)
    h = training.train(net, (X, y), epochs=30, lr=0.05, rng=rng, loss="mse", batch_size=10)
    assert h.loss[-1] < 0.2 * h.loss[0]
    assert np.all(np.isnan(h.train_accuracy))


def test_prelu_slopes_are_learned_and_recorded(moons):
    net = mlp.MLP.initialise([2, 16, 16, 2], "prelu", "he_normal", np.random.default_rng(7))
    h = training.train(net, moons, epochs=5, lr=0.1, rng=np.random.default_rng(8))
    assert h.alpha_mean.shape == (6, 2) and len(h.alphas) == 6
    np.testing.assert_allclose(h.alpha_mean[0], 0.25)
    assert not np.allclose(h.alpha_mean[-1], 0.25)
    np.testing.assert_array_equal(h.alphas[-1][0], net.alphas[0])


def test_batch_norm_training_updates_running_statistics(moons):
    net = mlp.MLP.initialise([2, 16, 2], "relu", "he_normal", np.random.default_rng(9), batch_norm=True)
    training.train(net, moons, epochs=2, lr=0.1, rng=np.random.default_rng(1))
    assert not np.allclose(net.running_vars[0], 1.0)


def test_dead_fraction_counts_units_that_never_fire():
    net = mlp.MLP(
        [np.array([[1.0, -1.0, 0.0]]), np.ones((3, 1))], [np.array([0.0, 0.0, -1.0]), np.zeros(1)], "relu"
    )
    X = np.array([[1.0], [2.0], [3.0]])  # unit 0 always fires; unit 1 never; unit 2 sits at -1
    np.testing.assert_allclose(diagnostics.dead_fraction(net, X), [2 / 3])
    np.testing.assert_allclose(
        diagnostics.dead_fraction(net, -X), [2 / 3]
    )  # now unit 1 fires, unit 0 is dead


def test_saturated_fraction_uses_the_activations_largest_slope():
    # sigma(1 - sigma) = 0.01 / 4 at |u| = 5.987; 1 - tanh^2 = 0.01 at |u| = 2.993.
    for name, edge in (("sigmoid", 5.987), ("tanh", 2.993)):
        net = mlp.MLP([np.ones((1, 1)), np.ones((1, 1))], [np.zeros(1), np.zeros(1)], name)
        X = np.array([[0.0], [edge - 0.01], [edge + 0.01], [-(edge + 0.01)]])
        np.testing.assert_allclose(diagnostics.saturated_fraction(net, X), [0.5])


def test_clip_by_global_norm_keeps_direction_and_caps_length():
    grads = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]
    clipped, norm = training.clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped[0], [0.6, 0.0])
    np.testing.assert_allclose(clipped[1], [[0.0, 0.8]])
    same, _ = training.clip_by_global_norm(grads, 10.0)
    assert same[0] is grads[0]


def test_a_diverging_run_stops_with_a_clear_error():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = rng.normal(size=(64, 1))
    net = mlp.MLP.initialise([4, 32, 32, 1], "relu", "he_normal", rng)
    with pytest.raises(FloatingPointError, match="training diverged in epoch .* lower lr or clip"):
        training.train(net, (X, y), epochs=50, lr=5.0, loss="mse", rng=rng)


def test_clipping_counts_steps_and_tames_the_same_run(moons):
    net = mlp.MLP.initialise([2, 64, 64, 2], "relu", "normal", np.random.default_rng(0), std=30.0)
    h = training.train(net, moons, epochs=3, lr=0.01, clip_norm=1.0, rng=np.random.default_rng(0))
    assert h.clipped_steps > 0 and np.all(np.isfinite(h.loss))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": -1}, ValueError, "epochs must be an integer"),
        ({"lr": 0.0}, ValueError, "lr must be in"),
        ({"rng": 0}, TypeError, "rng must be a numpy.random.Generator"),
        ({"momentum": 1.0}, ValueError, "momentum must be in"),
        ({"clip_norm": -1.0}, ValueError, "clip_norm must be in"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer"),
    ],
)
def test_train_refuses_bad_settings(moons, kwargs, error, match):
    net = mlp.MLP.initialise([2, 4, 2], "relu", "he_normal", np.random.default_rng(0))
    settings = {"epochs": 1, "lr": 0.1, "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(error, match=match):
        training.train(net, moons, **settings)


def test_train_refuses_mismatched_rows_and_non_networks(moons):
    net = mlp.MLP.initialise([2, 4, 2], "relu", "he_normal", np.random.default_rng(0))
    with pytest.raises(ValueError, match="same number of rows"):
        training.train(
            net, (moons.X_train, moons.y_train[:-1]), epochs=1, lr=0.1, rng=np.random.default_rng(0)
        )
    with pytest.raises(TypeError, match="net must be"):
        training.train("net", (moons.X_train, moons.y_train), epochs=1, lr=0.1, rng=np.random.default_rng(0))


def test_digits_ship_with_scikit_learn_and_are_standardised():
    d = data.digits(np.random.default_rng(0))
    assert d.X_train.shape == (1348, 64) and d.X_test.shape == (449, 64)
    assert d.n_classes == 10 and d.n_features == 64
    used = d.X_train.std(axis=0) > 0
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.X_train.std(axis=0)[used], 1.0)
    again = data.digits(np.random.default_rng(0))
    np.testing.assert_array_equal(d.y_test, again.y_test)


def test_two_moons_has_balanced_labels_and_checks_its_arguments():
    d = data.two_moons(100, np.random.default_rng(1), noise=0.0, test_fraction=0.2)
    assert len(d.y_train) == 80 and set(np.unique(d.y_train)) <= {0, 1}
    with pytest.raises(ValueError, match="n must be an integer"):
        data.two_moons(2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="test_fraction must be in"):
        data.digits(np.random.default_rng(0), test_fraction=1.0)


def test_train_epoch_records_every_step_and_the_optimiser_keeps_momentum_between_epochs(moons):
    net = mlp.MLP.initialise([2, 8, 2], "tanh", "xavier_normal", np.random.default_rng(3))
    opt = optimisers.Momentum(net.parameters(), lr=0.1, momentum=0.9)
    steps = training.train_epoch(
        net, moons.X_train, moons.y_train, optimiser=opt, rng=np.random.default_rng(0), batch_size=64
    )
    n_steps = -(-len(moons.y_train) // 64)
    assert steps.losses.shape == (n_steps,) and steps.grad_w_norms.shape == (n_steps, 2)
    assert steps.clipped == 0 and any(np.any(v != 0) for v in opt.v)
    # train() is train_epoch applied epoch after epoch with one optimiser.
    a = mlp.MLP.initialise([2, 8, 2], "tanh", "xavier_normal", np.random.default_rng(3))
    b = mlp.MLP.initialise([2, 8, 2], "tanh", "xavier_normal", np.random.default_rng(3))
    seen = []
    training.train(
        a,
        moons,
        epochs=2,
        lr=0.1,
        momentum=0.9,
        rng=np.random.default_rng(5),
        on_epoch=lambda epoch, net: seen.append((epoch, net is a)),
    )
    assert seen == [(0, True), (1, True), (2, True)]
    rng, opt = np.random.default_rng(5), optimisers.Momentum(b.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        training.train_epoch(b, moons.X_train, moons.y_train, optimiser=opt, rng=rng)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p, q)


def test_train_with_adam_moves_every_parameter_by_at_most_about_lr_per_step(moons):
    net = mlp.MLP.initialise([2, 8, 2], "tanh", "xavier_normal", np.random.default_rng(3))
    before = [p.copy() for p in net.parameters()]
    h = training.train(net, moons, epochs=1, lr=1e-3, optimiser="adam", rng=np.random.default_rng(0))
    n_steps = -(-len(moons.y_train) // 64)
    for p, q in zip(before, net.parameters(), strict=True):
        assert 0 < np.max(np.abs(p - q)) <= 1.01e-3 * n_steps
    assert h.loss.shape == (2,)
    with pytest.raises(ValueError, match="optimiser must be one of"):
        training.train(net, moons, epochs=1, lr=0.1, optimiser="rmsprop", rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="on_epoch must be callable"):
        training.train(net, moons, epochs=1, lr=0.1, on_epoch=3, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="data must be a vanishing.core.data.Split or a pair"):
        training.train(net, moons.X_train, epochs=1, lr=0.1, rng=np.random.default_rng(0))
