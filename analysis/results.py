"""Reading cvxnn-dist results folders (summary.yaml and the CSV traces).

Used by the plotting and reporting scripts in this folder; it needs only
Debian's python3 with python3-yaml and python3-numpy.
"""
import csv
import math
import os

import numpy as np
import yaml


class Run:
    """One results folder: its summary as nested dicts and its traces as
    dicts of numpy arrays (one array per CSV column)."""

    def __init__(self, folder):
        self.folder = folder
        path = os.path.join(folder, "summary.yaml")
        if not os.path.isfile(path):
            raise FileNotFoundError("%s: no summary.yaml (not a finished cvxnn-dist run)" % folder)
        with open(path) as f:
            self.summary = yaml.safe_load(f) or {}
        self.name = self.get("run.name", os.path.basename(os.path.normpath(folder)))
        self.convex_trace = read_csv(os.path.join(folder, "convex_trace.csv"))
        self.sgd_trace = read_csv(os.path.join(folder, "sgd_trace.csv"))
        self.sgd_test = read_csv(os.path.join(folder, "sgd_test.csv"))
        self.sgd_results = read_csv(os.path.join(folder, "sgd_results.csv"))

    def get(self, dotted, default=None):
        """summary value at a dotted key such as 'convex.objective'."""
        node = self.summary
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def jobs(self):
        """The (width, trial) pairs present in the SGD trace, sorted."""
        t = self.sgd_trace
        if not t:
            return []
        return sorted(set(zip(t["width"].astype(int).tolist(), t["trial"].astype(int).tolist())))

    def job_rows(self, table, width, trial):
        """Rows of one job in a trace table (dict of arrays), in file order."""
        mask = (table["width"].astype(int) == width) & (table["trial"].astype(int) == trial)
        return {k: v[mask] for k, v in table.items()}


def read_csv(path):
    """A CSV with a header line as {column: numpy array}; text columns stay
    strings. Returns {} when the file does not exist."""
    if not os.path.isfile(path):
        return {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return {}
        cols = [[] for _ in header]
        for row in reader:
            if not row:
                continue
            for i, v in enumerate(row[: len(header)]):
                cols[i].append(v)
    out = {}
    for name, values in zip(header, cols):
        try:
            out[name] = np.array([float(v) for v in values], dtype=float)
        except ValueError:
            out[name] = np.array(values, dtype=object)
    return out


def finite(x):
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)
