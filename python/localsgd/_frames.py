"""The results folder's CSV texts as pandas DataFrames, every number exactly as written.

localsgd writes numbers in shortest round-trip form; ``float_precision="round_trip"`` reads each
back to the same double (pandas' default parser may be off by an ulp). Only empty cells and
"nan"/"-nan" are missing values: a variant labelled "NA" or "null" stays a label.
"""
import csv
import io

import pandas as pd

# Columns that hold labels, never numbers or missing values.
_LABEL_COLUMNS = ("variant",)


def frame(text):
    """A DataFrame of one CSV text as localsgd writes it (header first)."""
    header = next(csv.reader(io.StringIO(text)), [])
    missing = {c: ["", "nan", "-nan"] for c in header if c not in _LABEL_COLUMNS}
    return pd.read_csv(
        io.StringIO(text),
        float_precision="round_trip",
        keep_default_na=False,
        na_values=missing,
        dtype={c: str for c in _LABEL_COLUMNS if c in header},
    )


def swept_columns(metrics):
    """The swept paths among metrics.csv's columns: those between "seed" and "step"."""
    columns = list(metrics.columns)
    return columns[columns.index("seed") + 1 : columns.index("step")]
