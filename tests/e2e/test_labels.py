"""Figure labels come from the files (issue 12): neobay_py.labels keeps no copy of
the metric registry (model/metrics.def); a panel title for a metric is the file's
long_name + " " + long_name_zh, read here with h5py, for run, impact, sweep and
sensitivity files; a run file's scenario title wins over labels.SCENARIOS."""
import re
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))
h5py = pytest.importorskip("h5py")
import matplotlib                      # noqa: E402
matplotlib.use("Agg")
from neobay_py import figures, io, labels   # noqa: E402

SCEN = "scenarios/sweeps/base-short.yaml"
SWEEP = """base: base.yaml
design: saltelli
points: 8
replicates: 2
seed: 1
outputs:
  metrics: [firms, valued_1e8]
  years: [2026]
factors:
  policy.guidance_fund: {scale: [0, 2]}
  policy.poc_budget: {scale: [0, 2]}
"""


def sh(args, root):
    r = subprocess.run([str(a) for a in args], cwd=root, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def suptitle(fig):
    return fig._suptitle.get_text() if fig._suptitle is not None else ""


def h5_label(path, var, sep=" "):
    """long_name + sep + long_name_zh of variable var, as h5py reads them."""
    with h5py.File(path, "r") as f:
        a = f[var].attrs
        return text(a["long_name"]) + sep + text(a["long_name_zh"])


@pytest.fixture(scope="module")
def files(neobay, root, tmp_path_factory):
    d = tmp_path_factory.mktemp("labels")
    # fixed parameters: a file with posterior draws adds that to the figures' titles
    sh([neobay, "run", SCEN, "-r", "3", "-q", "-o", d / "run.h5", "--fixed-parameters"], root)
    sh([neobay, "run", SCEN, "-r", "3", "-q", "-o", d / "pol.h5", "--fixed-parameters",
        "--set", "policy.poc_budget=2000万"], root)
    sh([neobay, "compare", d / "run.h5", d / "pol.h5", "-o", d / "imp.h5"], root)
    (d / "base.yaml").write_text(f"extends: {root}/{SCEN}\n")
    (d / "s.yaml").write_text(SWEEP)
    sh([neobay, "sweep", d / "s.yaml", "-o", d / "sw.h5", "-q", "--allow-extends-outside"],
       root)
    sh([neobay, "sensitivity", d / "sw.h5", "-b", "50"], root)
    return d


def test_no_copy_of_the_metric_registry():
    assert not hasattr(labels, "METRICS")
    metrics = {"unicorns", "valued_1e8", "firms_startup", "hightech", "alliance_committed"}
    for name, table in vars(labels).items():
        if isinstance(table, dict):
            assert not metrics & set(table), f"labels.{name} lists metrics again"


def test_run_panel_titles_are_the_files_labels(files):
    run = io.open_run(files / "run.h5")
    fig = figures.fan_stages(run)
    titles = [ax.get_title() for ax in fig.axes[:len(figures.STAGE_METRICS)]]
    assert titles == [h5_label(files / "run.h5", m) for m in figures.STAGE_METRICS]
    fig = figures.fan_outcomes(run)
    assert fig.axes[3].get_title() == h5_label(files / "run.h5", "valued_1e8")
    assert fig.axes[3].get_title() == "Firms valued >= 1亿 RMB 估值1亿元以上企业数"
    fig = figures.alliance(run)
    assert fig.axes[0].get_title() == h5_label(files / "run.h5", "alliance_committed")


def test_impact_panel_titles_are_the_metrics_labels(files):
    """An impact file's <m>_impact says "Impact on <long_name> (policy - base)": the
    panel names the metric, as the base run file labels it."""
    c = io.open_compare(files / "imp.h5")
    fig = figures.policy_impact([c])
    for ax, m in zip(fig.axes, figures.IMPACT_METRICS):
        assert ax.get_title() == h5_label(files / "run.h5", m)
        with h5py.File(files / "imp.h5", "r") as f, h5py.File(files / "run.h5", "r") as g:
            assert text(f[f"{m}_impact"].attrs["long_name"]) == \
                f"Impact on {text(g[m].attrs['long_name'])} (policy - base)"
            assert text(f[f"{m}_impact"].attrs["long_name_zh"]) == \
                "政策效应:" + text(g[m].attrs["long_name_zh"])
            # and the metric's own labels, as they are (what metric_attrs reads)
            assert text(f[f"{m}_impact"].attrs["metric_long_name"]) == text(g[m].attrs["long_name"])
            assert text(f[f"{m}_impact_q"].attrs["metric_long_name_zh"]) == text(g[m].attrs["long_name_zh"])
    fig = figures.impact_over_time(c)
    assert fig.axes[0].get_title() == h5_label(files / "run.h5", "firms")
    # computed in Python from two run files: the same titles
    pr = io.compare_runs(io.open_run(files / "run.h5"), io.open_run(files / "pol.h5"))
    fig = figures.policy_impact([pr])
    assert fig.axes[1].get_title() == h5_label(files / "run.h5", "valued_1e8")


def test_sweep_and_sensitivity_titles_are_the_files_labels(files):
    sens = io.open_sensitivity(files / "sw.h5")
    fig = figures.tornado(sens)
    assert [ax.get_title() for ax in fig.axes] == \
        [h5_label(files / "sw.h5", f"{m}_mean", "\n") + ", 2026" for m in ("firms", "valued_1e8")]
    sweep = io.open_sweep(files / "sw.h5")
    fig = figures.response_surface(sweep, metric="valued_1e8")
    want = h5_label(files / "sw.h5", "valued_1e8_mean")
    assert suptitle(fig).endswith(": " + want)
    assert fig.axes[0].get_title().startswith(want + ":")


def test_the_files_scenario_title_wins(files, root):
    yaml = (root / SCEN).read_text()
    en = re.search(r"^title: (.*)$", yaml, re.M).group(1)
    zh = re.search(r"^title_zh: (.*)$", yaml, re.M).group(1)
    fig = figures.fan_stages(io.open_run(files / "run.h5"))
    assert suptitle(fig).endswith(f" — {en} {zh}")
    # the table only when the file has no titles
    assert labels.scenario("baseline") == labels.bi(labels.SCENARIOS["baseline"])
    assert labels.scenario("baseline", "Own title", "自有标题") == "Own title 自有标题"
