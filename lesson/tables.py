"""Tables as the pages use them: Columns (a table as its columns), and matrices as tidy (long-form) columns, one
row per cell, the shape Altair draws from, or as DataFrames for the numbers tables."""
from __future__ import annotations

import numpy as np
import pandas as pd

from explainer import Matrix

Columns = dict[str, np.ndarray]
"""A small table as its columns: name -> array, every array one entry per row, in the table's order."""


def cells(matrix: Matrix) -> Columns:
    """The matrix in long form, one row per cell: row label, column label, value, and both positions (for
    sorting). (n_rows, n_cols) -> columns of n_rows * n_cols entries: row, col, value, row_index, col_index."""
    values = np.asarray(matrix.values)
    if values.shape != (len(matrix.rows), len(matrix.cols)):
        raise ValueError(f"{matrix.symbol}: values of shape {values.shape} do not fit "
                         f"{len(matrix.rows)} row and {len(matrix.cols)} column labels")
    row_index, col_index = np.indices(values.shape)
    return {
        "row": np.asarray(matrix.rows, dtype=object)[row_index.ravel()],
        "col": np.asarray(matrix.cols, dtype=object)[col_index.ravel()],
        "value": values.ravel(),
        "row_index": row_index.ravel(),
        "col_index": col_index.ravel(),
    }


def wide(matrix: Matrix) -> pd.DataFrame:
    """The matrix as a table with its row and column labels: the numbers behind a chart, for reading or export."""
    return pd.DataFrame(np.asarray(matrix.values), index=list(matrix.rows), columns=list(matrix.cols))


def side_by_side(matrices: list[Matrix]) -> list[pd.DataFrame]:
    """The numbers behind a grid of matrices: those with the same rows as the one before in one table, side by side
    (columns named "Q jane", ...); a matrix with other rows starts a new table (no cells left empty)."""
    tables: list[list[Matrix]] = []
    for matrix in matrices:
        if tables and tuple(tables[-1][-1].rows) == tuple(matrix.rows):
            tables[-1].append(matrix)
        else:
            tables.append([matrix])
    return [pd.concat([wide(m).add_prefix(f"{m.symbol} ") for m in group], axis=1) for group in tables]
