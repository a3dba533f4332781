"""Figures checked on what they draw (issue 13, item 9): the policy-impact cost panel
draws a bar for each finite cost and nothing else, its legend names exactly the drawn
series, an all-n/a panel says so once; significant impacts are starred and bold; the
fund alliance's 300亿 goal line lies inside the axes."""
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))
import matplotlib                      # noqa: E402
matplotlib.use("Agg")
from matplotlib.patches import Rectangle   # noqa: E402
from neobay_py import figures, io      # noqa: E402

SCEN = "scenarios/sweeps/base-short.yaml"


@pytest.fixture(scope="module")
def comparisons(neobay, root, tmp_path_factory):
    d = tmp_path_factory.mktemp("figart")
    runs = {"base": [], "same": [], "poc": ["--set", "policy.poc_budget=5000万"]}
    for name, extra in runs.items():
        r = subprocess.run([neobay, "run", SCEN, "-r", "6", "-q", "-o", str(d / f"{name}.h5"),
                            *extra], cwd=root, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    out = {}
    for name in ("same", "poc"):
        r = subprocess.run([neobay, "compare", str(d / "base.h5"), str(d / f"{name}.h5"),
                            "-o", str(d / f"impact-{name}.h5")], cwd=root, capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        out[name] = io.open_compare(d / f"impact-{name}.h5")
    out["run"] = io.open_run(d / "base.h5")
    return out


def bars(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]


def test_cost_panel_draws_what_it_names(comparisons):
    c = comparisons["poc"]
    fig = figures.policy_impact([c])
    ax = fig.axes[5]
    finite = [k for k in ("cost_per_unicorn", "cost_per_listing", "cost_per_firm")
              if k in c and float(c[k]) == float(c[k])]
    assert len(bars(ax)) == len(finite)
    leg = ax.get_legend()
    if finite:
        assert leg is not None and len(leg.get_texts()) == len(finite)
    else:
        assert leg is None


def test_cost_panel_all_na_says_so_once(comparisons):
    fig = figures.policy_impact([comparisons["same"]])
    ax = fig.axes[5]
    assert bars(ax) == [] and ax.get_legend() is None
    texts = [t.get_text() for t in ax.texts]
    assert sum("no cost shown" in t for t in texts) == 1
    assert not any("n/a" in t for t in texts)


def test_significant_impacts_are_starred_and_bold(comparisons):
    fig = figures.policy_impact([comparisons["poc"]])
    ann = [t for ax in fig.axes[:5] for t in ax.texts if t.get_text()[:1] in "+-0123456789"]
    assert ann
    for t in ann:
        assert (t.get_text().endswith("*")) == (t.get_fontweight() == "bold"), t.get_text()


def test_alliance_goal_line_inside_axes(comparisons):
    fig = figures.alliance(comparisons["run"])
    ax = fig.axes[0]
    goal = [l for l in ax.lines if "300亿" in str(l.get_label())]
    assert goal
    lo, hi = ax.get_ylim()
    assert lo <= goal[0].get_ydata()[0] <= hi


def test_impact_ticks_have_one_format(comparisons):
    fig = figures.policy_impact([comparisons["poc"], comparisons["same"]])
    fig.canvas.draw()
    for ax in fig.axes[:5]:
        assert ax.xaxis.get_offset_text().get_text() == "", ax.get_title()
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and not any("e-" in l or "e+" in l for l in labels), labels


def test_posterior_titles_are_labels_not_raw_names():
    import types
    import numpy as np
    import pandas as pd
    names = ["exit.background", "research.capacity_per_yi"]
    post = types.SimpleNamespace(
        particles=pd.DataFrame({"exit.background": np.linspace(0.01, 0.02, 20),
                                "research.capacity_per_yi": np.linspace(0.5, 1.5, 20)}),
        weights=np.full(20, 1 / 20),
        priors=pd.DataFrame({"min": [0.0, 0.1], "max": [0.05, 5.0], "log": [False, False],
                             "description": ["Background exit hazard a month.",
                                             "Technology results a month per 亿 of research "
                                             "spending: the capacity."]}, index=names))
    fig = figures.posterior_marginals(post)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert all(not t.startswith(n + "\n") for t, n in zip(titles, names)), titles
    assert any("Technology results a month per 亿" in t for t in titles), titles
