"""The diagrams draw what their docstrings promise, and refuse sizes they cannot lay out."""

from __future__ import annotations

import io

import matplotlib
import pytest

matplotlib.use("Agg", force=True)

import matplotlib.pyplot as plt  # noqa: E402

from vanishing.plotting import diagrams  # noqa: E402


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


@pytest.mark.parametrize("depth", [1, 3, 6])
def test_the_chain_labels_every_weight_and_every_backward_factor(depth):
    texts = _texts(diagrams.draw_chain_network(depth))
    for layer in range(1, depth + 1):
        assert f"$w_{layer}$" in texts
        assert f"$\\times\\, w_{layer}\\,\\sigma'(z_{layer})$" in texts
    assert f"$w_{depth + 1}$" not in texts


def test_the_rnn_marks_the_truncation_only_when_asked():
    texts = _texts(diagrams.draw_unrolled_rnn(5, truncate=2))
    assert "truncated BPTT: stop after 2 steps" in texts
    assert sum(t == "$W_h$" for t in texts) == 4  # one recurrent weight between each pair of steps
    assert not any("truncated" in t for t in _texts(diagrams.draw_unrolled_rnn(4, truncate=None)))
    with pytest.raises(ValueError, match="truncate"):
        diagrams.draw_unrolled_rnn(4, truncate=4)


def test_the_lstm_names_its_gates_and_the_cell_state_gradient():
    texts = _texts(diagrams.draw_lstm_cell())
    for name in ("$f_t$", "$i_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$c_t$", "$h_t$"):
        assert name in texts
    assert any("\\partial c_t/\\partial c_{t-1} = f_t" in t for t in texts)


def test_the_residual_block_shows_the_identity_in_its_jacobian():
    texts = _texts(diagrams.draw_residual_block())
    assert any("= I + W_l" in t for t in texts)
    assert "identity (skip)" in texts


@pytest.mark.parametrize(
    "draw",
    [
        diagrams.draw_chain_network,
        diagrams.draw_unrolled_rnn,
        diagrams.draw_lstm_cell,
        diagrams.draw_residual_block,
    ],
)
def test_each_diagram_renders_the_same_png_twice_on_white(draw):
    first, second = _png(draw()), _png(draw())
    assert first == second and len(first) > 5_000
    fig = draw()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    plt.close(fig)


def test_sizes_out_of_range_are_refused():
    with pytest.raises(ValueError, match="depth"):
        diagrams.draw_chain_network(0)
    with pytest.raises(TypeError, match="steps"):
        diagrams.draw_unrolled_rnn(2.5)
