"""`neobay compare` as a planner uses it: the 2024 policy against the baseline, paired
by replicate (common random numbers).  The table prints, the impact file opens in
xarray, the policy's effect on the number of firms is clearly above zero, and runs
that cannot be paired or files that are not runs are refused with exit 2."""
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

REPLICATES = 40


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


def run(neobay, root, scenario, out, replicates=REPLICATES):
    r = sh([neobay, "run", "-o", str(out), "--replicates", str(replicates),
            "--threads", "2", "-q", scenario], root)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def runs(neobay, root, tmp_path_factory):
    """The baseline and the 2024 policy, 40 replicates each: {name: path}."""
    out = tmp_path_factory.mktemp("compare")
    return {"base": run(neobay, root, "scenarios/baseline.yaml", out / "base.h5"),
            "policy": run(neobay, root, "scenarios/policy-2024.yaml", out / "policy.h5"),
            "dir": out}


@pytest.fixture(scope="module")
def compared(neobay, root, runs):
    """`neobay compare base policy -o impact.h5`: (completed process, impact path)."""
    impact = runs["dir"] / "impact.h5"
    r = sh([neobay, "compare", str(runs["base"]), str(runs["policy"]), "-o", str(impact)],
           root)
    return r, impact


def test_compare_prints_the_table(compared):
    r, _ = compared
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for text in ("policy-2024", "baseline", "政策效应", "2025-12", "2030-12", "2035-12",
                 "firms", "在区企业数", "unicorns", "listed", "hightech", "valuation",
                 "alliance_committed", "per additional unicorn", "每新增一家独角兽企业",
                 "per additional listing", "per additional surviving firm",
                 "extra public spending", "亿"):
        assert text in out, text
    firms = next(l for l in out.splitlines() if l.startswith("firms "))
    assert firms.rstrip().endswith("*"), firms        # its interval excludes zero


def test_firm_impact_excludes_zero(compared):
    """The 2024 measures add firms: the 90% interval of the paired difference in
    active firms at the last month lies above zero."""
    r, impact = compared
    assert r.returncode == 0, r.stderr
    with h5py.File(impact, "r") as f:
        d = f["firms_impact"][()]
        q = f["firms_impact_q"][()]
        levels = list(f["quantile"][()])
        assert d.shape == (REPLICATES, f["time"].shape[0])
        lo, hi = q[levels.index(0.05), -1], q[levels.index(0.95), -1]
        assert 0 < lo <= hi
        np.testing.assert_allclose([lo, hi], np.quantile(d[:, -1], [0.05, 0.95]), rtol=1e-12)
        spend = float(f["extra_public_spend"][()])
        per_firm = float(f["cost_per_firm"][()])
        assert spend > 0
        assert per_firm == pytest.approx(spend / d[:, -1].mean(), rel=1e-12)
        assert f.attrs["policy_scenario"] == "policy-2024"
        assert f.attrs["base_scenario"] == "baseline"


def test_impact_is_the_paired_difference(runs, compared):
    _, impact = compared
    with h5py.File(impact, "r") as i, h5py.File(runs["base"], "r") as b, \
            h5py.File(runs["policy"], "r") as p:
        for name in ("firms", "unicorns", "revenue", "public_spend"):
            np.testing.assert_array_equal(i[name + "_impact"][()], p[name][()] - b[name][()])


def test_impact_file_opens_in_xarray(compared):
    _, impact = compared
    with xr.open_dataset(impact, engine="h5netcdf") as ds:
        assert set(ds.dims) == {"replicate", "time", "quantile", "bound"}
        assert ds["firms_impact"].dims == ("replicate", "time")
        assert ds["firms_impact_q"].dims == ("quantile", "time")
        assert np.issubdtype(ds["time"].dtype, np.datetime64)
        assert ds["cost_per_firm"].dims == ()
        assert ds["firms_impact"].attrs["long_name_zh"].endswith("在区企业数")
        assert ds.attrs["policy_file"].endswith("policy.h5")
        assert ds.attrs["base_file"].endswith("base.h5")
        assert not [n for n in ds.dims if str(n).startswith("phony_dim")]
    with h5py.File(impact, "r") as f:
        names = set(f.keys())
    assert {"firms_impact", "unicorns_impact", "listed_impact",
            "alliance_committed_impact"} <= names


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def test_mean_and_predictive_intervals(compared):
    """Both intervals of the effect are in the file, with units and the bound scale:
    the mean's Student t interval (where the average effect lies) is inside the 5-95%
    spread of the paired differences (where one future's effect lies)."""
    r, impact = compared
    assert r.returncode == 0, r.stderr
    assert "mean's 90% CI (均值置信区间)" in r.stdout
    assert "5-95% of replicates (预测区间)" in r.stdout
    with h5py.File(impact, "r") as f:
        assert list(f["bound"][()]) == [0.05, 0.95]
        for m in ("firms", "unicorns", "listed", "revenue"):
            for v in ("_impact_mean", "_impact_mean_ci", "_impact_pi"):
                assert "units" in f[m + v].attrs and f[m + v].attrs["long_name"], m + v
        d = f["firms_impact"][()][:, -1]
        ci, pi = f["firms_impact_mean_ci"][()][:, -1], f["firms_impact_pi"][()][:, -1]
        n = d.size
        half = (ci[1] - ci[0]) / 2
        np.testing.assert_allclose(ci.mean(), d.mean(), rtol=1e-9)
        np.testing.assert_allclose(half, 1.6849 * d.std(ddof=1) / np.sqrt(n), rtol=1e-3)
        np.testing.assert_allclose(pi, np.quantile(d, [0.05, 0.95]), rtol=1e-12)
        assert pi[0] <= ci[0] <= ci[1] <= pi[1]
        for cost in ("cost_per_unicorn", "cost_per_listing", "cost_per_firm"):
            c = f[cost + "_ci"]
            assert c.shape == (2,) and text(c.attrs["units_label"]).startswith("RMB per")
            status = text(c.attrs["status"])
            per = float(f[cost][()])
            if status == "bounded" and np.isfinite(per):
                assert c[0] <= per <= c[1]
            if status == "unbounded":
                assert np.isnan(per) and np.isinf(c[()]).all()
        # never an empty cost when the mean impact on firms is clearly non-zero
        if f["firms_impact_mean_ci"][0, -1] > 0:
            assert np.isfinite(float(f["cost_per_firm"][()]))
            assert text(f["cost_per_firm_ci"].attrs["status"]) == "bounded"


def test_mismatched_replicates_exit_2(neobay, root, runs, tmp_path):
    small = run(neobay, root, "scenarios/policy-2024.yaml", tmp_path / "small.h5", 20)
    out = tmp_path / "impact.h5"
    r = sh([neobay, "compare", str(runs["base"]), str(small), "-o", str(out)], root)
    assert r.returncode == 2
    assert r.stdout == ""
    err = r.stderr.strip()
    assert "\n" not in err and str(small) in err and "replicates" in err, err
    assert not out.exists()


def test_not_a_run_exit_2(neobay, root, runs, tmp_path):
    txt = tmp_path / "notes.h5"
    txt.write_text("not HDF5\n")
    r = sh([neobay, "compare", str(runs["base"]), str(txt)], root)
    assert r.returncode == 2
    assert str(txt) in r.stderr and "not a neobay results file" in r.stderr
    assert "\n" not in r.stderr.strip()


def test_bad_command_line_exit_2(neobay, root, runs):
    r = sh([neobay, "compare", str(runs["base"])], root)
    assert r.returncode == 2
    r = sh([neobay, "compare", str(runs["base"]), str(runs["policy"]), "-o",
            "/nonexistent/dir/i.h5"], root)
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_help(neobay, root):
    r = sh([neobay, "compare", "--help"], root)
    assert r.returncode == 0 and r.stdout.startswith("Usage: neobay compare")
    assert "compare" in sh([neobay, "--help"], root).stdout


def test_summary_of_an_impact_file_exit_2(neobay, root, compared):
    _, impact = compared
    r = sh([neobay, "summary", str(impact)], root)
    assert r.returncode == 2
    assert "impact file" in r.stderr and str(impact) in r.stderr
