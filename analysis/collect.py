#!/usr/bin/python3
"""Collects the runs of a sweep (or of a scaling series) into one table.

    /usr/bin/python3 analysis/collect.py results/q7-widths
    /usr/bin/python3 analysis/collect.py results/q7-widths --csv q7.csv --md q7.md --quiet

Reads every run folder below RESULTS_DIR (a folder holding a summary.yaml;
task-00, task-01, ... for a sweep, ranks-1, ranks-2, ... for a scaling
series) and writes one row per run:

  task, status, the config keys that differ between the runs (the task's
  overrides, read from the config each run recorded), ranks, P (number of
  arrangement patterns), the convex objective, lower bound, gap, whether it
  is certified, ADMM iterations, m* (neurons of the recovered network), the
  network's objective and test accuracy, the best final SGD objective for
  each width (sgd_best_m<W>), and every stage time (time_<stage>, seconds).

A task folder without summary.yaml (a task that failed or has not finished)
gets a row with status "no summary", one stopped early by a signal (its
summary's run.stopped_by) "stopped by SIGTERM" or the like; a key missing
from a summary is an empty cell. The table is written as CSV (RESULTS_DIR/collected.csv) and as
Markdown (RESULTS_DIR/collected.md, also printed). Needs only Python 3: the
summaries are read with a small reader of the YAML subset the program
writes.
"""
import argparse
import csv
import math
import os
import re
import sys

# Fixed columns: (column, dotted key in summary.yaml).
METRICS = [
    ("ranks", "run.ranks"),
    ("P", "arrangements.count"),
    ("exact", "arrangements.exact"),
    ("objective", "convex.objective"),
    ("lower_bound", "convex.lower_bound"),
    ("gap", "convex.gap"),
    ("certified", "convex.certified"),
    ("iterations", "convex.iterations"),
    ("m_star", "network.neurons"),
    ("network_objective", "network.objective"),
    ("test_accuracy", "network.test_accuracy"),
]

# Config keys that differ between tasks by construction, never overrides.
NOT_OVERRIDES = {"run.name", "output.dir"}


class YamlError(Exception):
    pass


def parse_scalar(text):
    """A YAML scalar of the kinds the program writes: quoted strings, flow
    lists, null, booleans, integers, floats (.nan, .inf), plain strings."""
    s = text.strip()
    if s == "" or s in ("~", "null", "Null", "NULL"):
        return None
    if s[0] == '"':
        if len(s) < 2 or s[-1] != '"':
            raise YamlError("unterminated string %s" % s)
        return unescape_double(s[1:-1])
    if s[0] == "'":
        if len(s) < 2 or s[-1] != "'":
            raise YamlError("unterminated string %s" % s)
        return s[1:-1].replace("''", "'")
    if s[0] == "[":
        if s[-1] != "]":
            raise YamlError("unterminated list %s" % s)
        inner = s[1:-1].strip()
        return [parse_scalar(x) for x in split_flow(inner)] if inner else []
    low = s.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in (".nan", "nan"):
        return float("nan")
    if low in (".inf", "+.inf", "inf", "+inf"):
        return float("inf")
    if low in ("-.inf", "-inf"):
        return float("-inf")
    if re.fullmatch(r"[-+]?[0-9]+", s):
        return int(s)
    try:
        return float(s)
    except ValueError:
        return s


def unescape_double(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", s[i + 2:i + 4]):
                out.append(chr(int(s[i + 2:i + 4], 16)))
                i += 4
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def split_flow(s):
    """Splits the inside of a flow list on top-level commas."""
    parts, depth, quote, cur = [], 0, None, []
    for c in s:
        if quote:
            cur.append(c)
            if c == quote:
                quote = None
            continue
        if c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    parts.append("".join(cur))
    return parts


def strip_comment(line):
    """The line without a trailing comment (a # outside quotes that starts
    the line or follows a space)."""
    quote, escaped = None, False
    for i, c in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif c == "\\" and quote == '"':
                escaped = True
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def parse_yaml(text):
    """Nested dicts from block-style YAML mappings (the summary's shape).
    Lines it does not understand (block lists, documents markers) are
    skipped rather than fatal."""
    root = {}
    stack = [(-1, root)]
    for raw in text.splitlines():
        line = strip_comment(raw).rstrip()
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        m = re.match(r'^("(?:[^"\\]|\\.)*"|[^:]+?)\s*:(?:\s+(.*))?$', body)
        if not m:
            continue
        key = m.group(1)
        if key.startswith('"'):
            key = unescape_double(key[1:-1])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            stack = [(-1, root)]
        parent = stack[-1][1]
        rest = m.group(2)
        if rest is None or rest.strip() == "":
            child = {}
            parent[key] = child
            stack.append((indent, child))
        else:
            try:
                parent[key] = parse_scalar(rest)
            except YamlError:
                parent[key] = rest.strip()
    return root


def flatten(d, prefix=""):
    """{dotted key: value} in document order."""
    out = {}
    for k, v in d.items():
        key = prefix + k
        if isinstance(v, dict) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def natural_key(s):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def fmt_csv(v):
    """A value for the CSV: numbers that read back exactly, lists in YAML
    flow style, nothing for a missing value."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(fmt_csv(x) for x in v) + "]"
    if isinstance(v, dict):
        return ""
    return str(v)


def fmt_md(v):
    """A value for the Markdown table: 6 significant digits."""
    if isinstance(v, float) and math.isfinite(v):
        return "%.6g" % v
    return fmt_csv(v).replace("|", "\\|")


def read_yaml_file(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse_yaml(f.read())


def find_runs(top):
    """(name, folder, has_summary) of every run folder below top, in natural
    order: folders holding summary.yaml, and the immediate subfolders with
    neither a summary nor runs below them (unfinished tasks)."""
    runs = []
    if os.path.isfile(os.path.join(top, "summary.yaml")):
        runs.append((os.path.basename(os.path.normpath(top)) or top, top, True))
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if dirpath == top:
            continue
        if "summary.yaml" in filenames:
            runs.append((os.path.relpath(dirpath, top), dirpath, True))
    done = {os.path.normpath(r[1]) for r in runs}
    for d in sorted(os.listdir(top)) if os.path.isdir(top) else []:
        p = os.path.join(top, d)
        if d.startswith(".") or not os.path.isdir(p):
            continue
        if not any(x == os.path.normpath(p) or x.startswith(os.path.normpath(p) + os.sep) for x in done):
            runs.append((d, p, False))
    runs.sort(key=lambda r: natural_key(r[0]))
    return runs


def collect(top, extra_keys=()):
    """The table: (columns, rows), rows as {column: value}."""
    rows, configs, order = [], [], []
    widths, stages = set(), []
    for name, folder, has_summary in find_runs(top):
        row = {"task": name, "status": "done" if has_summary else "no summary"}
        summary, config = {}, {}
        try:
            if has_summary:
                summary = flatten(read_yaml_file(os.path.join(folder, "summary.yaml")))
        except (OSError, UnicodeError, ValueError) as e:
            row["status"] = "unreadable summary"
            print("collect: %s: %s" % (os.path.join(folder, "summary.yaml"), e), file=sys.stderr)
        config = {k[len("config."):]: v for k, v in summary.items() if k.startswith("config.")}
        if not config and os.path.isfile(os.path.join(folder, "config.yaml")):
            try:
                config = flatten(read_yaml_file(os.path.join(folder, "config.yaml")))
            except (OSError, UnicodeError, ValueError) as e:
                print("collect: %s: %s" % (os.path.join(folder, "config.yaml"), e), file=sys.stderr)
        for k in config:
            if k not in order:
                order.append(k)
        stopped = summary.get("run.stopped_by")
        if stopped not in (None, "", "null", "~"):
            row["status"] = "stopped by %s" % stopped
        for col, key in METRICS:
            row[col] = summary.get(key)
        for k, v in summary.items():
            m = re.fullmatch(r"sgd\.widths\.m(\d+)\.best_final_objective", k)
            if m:
                widths.add(int(m.group(1)))
                row["sgd_best_m" + m.group(1)] = v
            elif k.startswith("timings."):
                stage = k[len("timings."):]
                if stage not in stages:
                    stages.append(stage)
                row["time_" + stage] = v
        rows.append(row)
        configs.append(config)

    # The overrides: config keys whose value is not the same in every run
    # that recorded a config, plus the keys asked for.
    with_config = [c for c in configs if c]
    varying = []
    for k in order:
        if k in NOT_OVERRIDES:
            continue
        vals = {fmt_csv(c[k]) for c in with_config if k in c}
        if len(vals) > 1:
            varying.append(k)
    for k in extra_keys:
        if k not in varying:
            varying.append(k)
    for row, c in zip(rows, configs):
        for k in varying:
            row[k] = c.get(k)

    columns = ["task", "status"] + varying + [c for c, _ in METRICS]
    columns += ["sgd_best_m%d" % w for w in sorted(widths)]
    columns += ["time_" + s for s in stages]
    return columns, rows


def write_csv(path, columns, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([fmt_csv(r.get(c)) for c in columns])
    os.replace(tmp, path)


def markdown(columns, rows):
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(fmt_md(r.get(c)) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Collects the runs of a sweep or scaling series into one table (CSV and Markdown).")
    ap.add_argument("results", help="the sweep's results folder, e.g. results/q7-widths")
    ap.add_argument("--csv", help="CSV output (default RESULTS/collected.csv)")
    ap.add_argument("--md", help="Markdown output (default RESULTS/collected.md)")
    ap.add_argument("--keys", default="", help="config keys to show as columns even when they do not vary, comma-separated")
    ap.add_argument("--quiet", action="store_true", help="do not print the Markdown table")
    a = ap.parse_args(argv)
    if not os.path.isdir(a.results):
        print("collect: error: '%s' is not a folder" % a.results, file=sys.stderr)
        return 2
    columns, rows = collect(a.results, [k for k in a.keys.split(",") if k.strip()])
    if not rows:
        print("collect: error: no run folders (with a summary.yaml) below '%s'" % a.results, file=sys.stderr)
        return 1
    csv_path = a.csv or os.path.join(a.results, "collected.csv")
    md_path = a.md or os.path.join(a.results, "collected.md")
    write_csv(csv_path, columns, rows)
    md = markdown(columns, rows)
    tmp = md_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(md)
    os.replace(tmp, md_path)
    if not a.quiet:
        sys.stdout.write(md)
    done = sum(1 for r in rows if r["status"] == "done")
    print("collect: %d runs (%d finished) -> %s, %s" % (len(rows), done, csv_path, md_path), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
