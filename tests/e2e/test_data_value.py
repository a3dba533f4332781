"""Where better data matters most (issue 11 item 5): an impact sweep runs each design
point's policy and its counterfactual with the same factor values and seed, records
the paired differences, and `neobay sensitivity` ranks the factors by their share of
the impact's variance, into a group xarray opens.  Checked against two `neobay run`s
of one point, so the impact is exactly policy - counterfactual.  The shipped
scenarios/sweeps/data-value.yaml passes `sweep check`.  Short horizon (to 2025-12)."""
import shutil
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr


def sh(args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)


POLICY = """\
name: policy-short
extends: {root}/scenarios/policy-2024.yaml
run: {{end: 2025-12}}
"""
BASE = """\
name: base-short
extends: {root}/scenarios/baseline.yaml
run: {{end: 2025-12}}
"""
SWEEP = """\
base: policy-short.yaml
counterfactual: base-short.yaml
design: saltelli
points: 4
replicates: 2
seed: 3
outputs: {metrics: [firms, graduations], years: [2025]}
factors:
  poc.grad_mult: {min: 0.659, max: 3.41, log: true}
  grant.round_mult: {min: 0.829, max: 3.09, log: true}
"""


@pytest.fixture(scope="module")
def impact(neobay, root, tmp_path_factory):
    d = tmp_path_factory.mktemp("dv")
    (d / "policy-short.yaml").write_text(POLICY.format(root=root))
    (d / "base-short.yaml").write_text(BASE.format(root=root))
    (d / "dv.yaml").write_text(SWEEP)
    r = sh([neobay, "sweep", "dv.yaml", "-o", "dv.h5", "-q", "--allow-extends-outside"], cwd=d)
    assert r.returncode == 0, r.stderr
    return d


def test_the_sweep_records_impacts(neobay, impact):
    with h5py.File(impact / "dv.h5", "r") as f:
        assert f.attrs["counterfactual"] == "base-short"
        assert f.attrs["outcome"].startswith("impact")
        assert f.attrs["scenario_name"] == "policy-short"
        value = f["design"][()]
        firms = f["firms_mean"][()]
        label = f["firms_mean"].attrs["long_name"]
        label = label.decode() if isinstance(label, bytes) else label
    # a dataset read alone says it holds differences, not levels
    assert label.startswith("Impact on ") and "(policy-short - base-short)" in label
    # Point 5 by hand: the policy and the baseline with its factor values, same seed.
    p = 5
    sets = ["--set", f"poc.grad_mult={value[p, 0]!r}", "--set", f"grant.round_mult={value[p, 1]!r}"]
    for name in ("policy-short", "base-short"):
        r = sh([neobay, "run", f"{name}.yaml", "-r", "2", "-q", "-o", f"{name}.h5", "--force",
                "--allow-extends-outside", "--fixed-parameters", *sets], cwd=impact)
        assert r.returncode == 0, r.stderr
    with h5py.File(impact / "policy-short.h5", "r") as a, h5py.File(impact / "base-short.h5", "r") as b:
        d = (a["firms"][()] - b["firms"][()]).mean(axis=0)
    np.testing.assert_array_equal(firms[p], d)
    assert firms[:, -1].mean() > 0      # the policy adds firms at every point, on average


def test_sensitivity_ranks_the_impact(neobay, root, impact):
    r = sh([neobay, "sensitivity", "dv.h5", "-b", "100"], cwd=impact)
    assert r.returncode == 0, r.stderr
    assert "Outcome is the impact" in r.stdout and "Impact on" in r.stdout
    ds = xr.open_dataset(impact / "dv.h5", engine="h5netcdf", group="sensitivity")
    assert list(ds.factor.values) == ["poc.grad_mult", "grant.round_mult"]
    assert ds.ST.dims == ("factor", "metric", "year")
    st = ds.ST.sel(metric="graduations", year=2025).values
    assert np.all(np.isfinite(st))
    # Incorporations respond to the proof-of-concept effect, not to the grants' (which
    # act on firms already incorporated): poc.grad_mult carries the impact's variance.
    assert st[0] > st[1]
    ds.close()
    # the figure: a tornado of the impact's Sobol indices, titled as impacts
    import sys
    sys.path.insert(0, str(root))
    from neobay_py import figures, io
    fig = figures.tornado(io.open_sensitivity(impact / "dv.h5"))
    assert all(ax.get_title().startswith("Impact on") for ax in fig.axes)
    fig.savefig(impact / "data-value.png")


def test_shipped_data_value_sweep_checks(neobay, root):
    r = sh([neobay, "sweep", "check", root / "scenarios" / "sweeps" / "data-value.yaml"])
    assert r.returncode == 0, r.stderr


def test_counterfactual_must_share_the_seed(neobay, root, impact):
    (impact / "other-seed.yaml").write_text(BASE.format(root=root).replace(
        "run: {end: 2025-12}", "run: {end: 2025-12, seed: 99}"))
    bad = SWEEP.replace("counterfactual: base-short.yaml", "counterfactual: other-seed.yaml")
    (impact / "bad.yaml").write_text(bad)
    r = sh([neobay, "sweep", "check", "bad.yaml", "--allow-extends-outside"], cwd=impact)
    assert r.returncode == 2
    assert "bad.yaml:2:" in r.stderr and "counterfactual" in r.stderr and "seed" in r.stderr, r.stderr
