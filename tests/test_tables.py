"""Matrices as tables: in long form (cells, one row per cell, in the order of the matrix), wide, side by side."""
import numpy as np
import pandas as pd
import pytest

from explainer import FEATURES, Matrix, run_attention
from lesson.tables import cells, side_by_side, wide


def tidy(matrix):
    """cells(matrix) read through pandas."""
    return pd.DataFrame(cells(matrix))


def test_cells_has_one_row_per_cell_with_labels_and_values():
    trace = run_attention("jane visits africa")
    frame = tidy(trace.matrix("attention"))
    assert len(frame) == 9
    assert list(frame.columns) == ["row", "col", "value", "row_index", "col_index"]
    cell = frame[(frame.row == "jane") & (frame.col == "visits")]
    assert cell.value.item() == trace.attention[0, 1]
    assert cell.row_index.item() == 0 and cell.col_index.item() == 1
    np.testing.assert_allclose(frame.groupby("row").value.sum(), 1.0)


def test_cells_works_for_rectangular_matrices_with_feature_names():
    trace = run_attention("jane visits africa")
    frame = tidy(trace.matrix("W_Q"))
    assert len(frame) == trace.W_Q.size
    cell = frame[(frame.row == "action?") & (frame.col == "person")]
    assert cell.value.item() == trace.W_Q[0, FEATURES.index("person")]


def test_wide_keeps_the_labels_for_export():
    trace = run_attention("the cat sat on the mat")
    table = wide(trace.matrix("attention"))
    assert table.shape == (6, 6)
    assert list(table.index) == list(trace.labels)
    assert table.loc["cat", "sat"] == trace.attention[1, 2]


def test_cells_refuse_labels_that_do_not_fit():
    with pytest.raises(ValueError, match=r"shape \(2, 2\) do not fit 3 row"):
        tidy(Matrix("M", "m", np.zeros((2, 2)), ("a", "b", "c"), ("x", "y")))


def test_side_by_side_joins_matrices_with_the_same_rows_and_never_leaves_a_cell_empty():
    trace = run_attention("jane visits africa")
    [weights] = side_by_side([trace.matrix("W_Q"), trace.matrix("W_K")])
    d_k, d_model = trace.W_Q.shape
    assert weights.shape == (d_k, 2 * d_model) and list(weights.columns[:2]) == ["W_Q person", "W_Q animal"]
    w_v, v = side_by_side([trace.matrix("W_V"), trace.matrix("V")])  # other rows: a table each
    assert list(v.index) == ["jane", "visits", "africa"] and v.shape == trace.V.shape
    assert not w_v.isna().any().any() and not v.isna().any().any()
