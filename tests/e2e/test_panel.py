"""Micro-data (`neobay run --panel`) as an analyst reads it: /panel and /events open
in xarray as DataFrames with named columns, CF times and decoded datetimes; the rows
agree with the replicate's series; the file is byte-identical for identical inputs;
a run without --panel has no micro-data."""
import filecmp
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

REPLICATES = 4

PANEL_COLUMNS = ["replicate", "time", "firm_id", "founded", "origin", "sector", "stage",
                 "age_months", "revenue", "employees", "valuation", "capital_raised",
                 "cash", "hightech", "listed", "gazelle"]
ROUND_COLUMNS = ["replicate", "time", "firm_id", "kind", "round", "amount", "pre_money",
                 "post_money", "investor", "instrument"]
EXIT_COLUMNS = ["replicate", "time", "firm_id", "kind", "value"]


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def runs(neobay, root, tmp_path_factory):
    """{name: path}: the baseline with --panel yearly (twice, on 1 and 2 threads),
    without --panel, and a short run with --panel monthly of 2 replicates."""
    out = tmp_path_factory.mktemp("panel")
    base = [neobay, "run", "scenarios/baseline.yaml", "--replicates", str(REPLICATES), "-q"]
    cmds = {
        "p": ["-o", str(out / "p.h5"), "--panel", "yearly"],
        "p1": ["-o", str(out / "p1.h5"), "--panel", "yearly", "--threads", "1"],
        "none": ["-o", str(out / "none.h5")],
        "monthly": ["-o", str(out / "monthly.h5"), "--panel", "monthly",
                    "--panel-replicates", "2", "--set", "run.end=2026-06"],
    }
    paths = {}
    for name, args in cmds.items():
        r = sh(base + args, root)
        assert r.returncode == 0, r.stderr
        paths[name] = out / f"{name}.h5"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.h5" for n in cmds)
    return paths


def frame(path, group):
    with xr.open_dataset(path, engine="h5netcdf", group=group) as ds:
        return ds.load().to_dataframe()


@pytest.fixture(scope="module")
def panel(runs):
    return frame(runs["p"], "panel")


@pytest.fixture(scope="module")
def rounds(runs):
    return frame(runs["p"], "events/rounds")


@pytest.fixture(scope="module")
def exits(runs):
    return frame(runs["p"], "events/exits")


@pytest.fixture(scope="module")
def series(runs):
    with xr.open_dataset(runs["p"], engine="h5netcdf") as ds:
        yield ds.load()


def test_panel_columns_and_dtypes(panel):
    assert list(panel.columns) == PANEL_COLUMNS
    assert panel.index.name == "row"
    assert (panel.index.values == np.arange(len(panel))).all()
    assert panel["time"].dtype == "datetime64[ns]"
    assert panel["founded"].dtype == "datetime64[ns]"
    assert panel["firm_id"].dtype == np.uint64
    for c in ["replicate", "age_months"]:
        assert np.issubdtype(panel[c].dtype, np.integer)
    for c in ["origin", "sector", "stage", "hightech", "listed", "gazelle"]:
        assert panel[c].dtype == np.int8
    for c in ["revenue", "employees", "valuation", "capital_raised", "cash"]:
        assert panel[c].dtype == np.float64
    assert set(panel["replicate"]) == {0}                  # --panel-replicates default 1
    assert panel["stage"].between(0, 3).all() and panel["sector"].between(0, 5).all()
    assert set(panel["hightech"]) <= {0, 1} and set(panel["listed"]) <= {0, 1}
    assert (panel["founded"] <= panel["time"]).all()
    months = ((panel["time"].dt.year - panel["founded"].dt.year) * 12
              + panel["time"].dt.month - panel["founded"].dt.month)
    assert (months == panel["age_months"]).all()
    assert (panel["employees"] >= 3).all()
    assert (panel["revenue"] >= 0).all() and (panel["valuation"] >= 0).all()


def test_panel_metadata(runs):
    with xr.open_dataset(runs["p"], engine="h5netcdf", group="panel") as ds:
        assert set(ds.dims) == {"row"}
        for name in PANEL_COLUMNS:
            v = ds[name]
            assert v.dims == ("row",)
            assert v.attrs["long_name"] and any("\u4e00" <= c <= "\u9fff"
                                                for c in v.attrs["long_name_zh"])
            assert "units" in v.encoding or "units" in v.attrs
        assert ds["stage"].attrs["flag_meanings"] == "pre_incubation startup backbone leader"
        assert list(ds["stage"].attrs["flag_values"]) == [0, 1, 2, 3]
        assert ds["origin"].attrs["flag_meanings"] == "spinoff relocation other"
        assert ds["sector"].attrs["flag_meanings"].split() == [
            "energy", "robotics", "life_sciences", "ic_electronics", "ai_software",
            "advanced_materials"]
        assert ds["revenue"].attrs["units"] == "1/year" and ds["revenue"].attrs["units_label"] == "RMB/year"
        assert ds["time"].encoding["units"] == "days since 1970-01-01"


def test_panel_snapshots_are_start_decembers_last(panel, series):
    times = pd.DatetimeIndex(sorted(panel["time"].unique()))
    t = pd.DatetimeIndex(series["time"].values)
    want = [t[0]] + [x for x in t if x.month == 12]
    if t[-1] not in want:
        want.append(t[-1])
    assert list(times) == want
    assert times[0] == pd.Timestamp("2024-07-01")


def test_panel_rows_per_time_equal_firms(panel, series):
    counts = panel[panel["replicate"] == 0].groupby("time").size()
    # the panel holds every live firm and pre-incubation project
    firms = (series["firms"] + series["projects"]).sel(replicate=0).to_series()
    assert (counts.values == firms.loc[counts.index].values).all()
    assert counts.loc[pd.Timestamp("2024-07-01")] > 1000
    # sums of the snapshot are the replicate's stocks
    rev = panel[panel["replicate"] == 0].groupby("time")["revenue"].sum()
    np.testing.assert_allclose(rev.values,
                               series["revenue"].sel(replicate=0).to_series().loc[rev.index].values,
                               rtol=1e-12)


def test_rounds(rounds, series):
    assert list(rounds.columns) == ROUND_COLUMNS
    assert rounds["time"].dtype == "datetime64[ns]"
    assert len(rounds) > 0
    assert (rounds["amount"] > 0).all()
    assert (rounds["post_money"] > 0).all() and (rounds["pre_money"] >= 0).all()
    assert set(rounds["kind"]) <= {0, 1, 2} and set(rounds["investor"]) <= {0, 1, 2}
    assert set(rounds["replicate"]) == {0}
    n = rounds[rounds["kind"] == 0].groupby("time").size()
    per_month = series["rounds"].sel(replicate=0).to_series()
    assert n.sum() == per_month.sum()
    assert (n.values == per_month.loc[n.index].values).all()


def test_exits(exits, series):
    assert list(exits.columns) == EXIT_COLUMNS
    assert set(exits["kind"]) <= {0, 1, 2, 3}
    for code, metric in enumerate(["exits_failed", "exits_acquired", "exits_relocated"]):
        n = exits[exits["kind"] == code].groupby("time").size()
        m = series[metric].sel(replicate=0).to_series()
        assert n.sum() == m.sum()
        assert (n.values == m.loc[n.index].values).all()


def test_event_firms_are_in_panel_or_entered_later(panel, rounds, exits):
    """A firm with an event is in the panel, or entered after the last snapshot before
    the event (entrants have ids from 2**40 up, their time point of entry in bits
    20..39)."""
    ids = set(panel["firm_id"])
    snaps = np.array(sorted(panel["time"].unique()), dtype="datetime64[ns]")
    start = pd.Timestamp(snaps[0])
    for df in (rounds, exits):
        missing = df[~df["firm_id"].isin(ids)]
        assert (missing["firm_id"] >= 2**40).all()
        k = ((missing["firm_id"].values >> np.uint64(20)) & np.uint64(0xFFFFF)).astype(int)
        entered = np.array([start + pd.DateOffset(months=int(x)) for x in k],
                           dtype="datetime64[ns]")
        t = missing["time"].values
        before = snaps[np.searchsorted(snaps, t, side="left") - 1]   # last snapshot < t
        assert (entered > before).all()


def test_h5py_one_liner(runs, panel):
    with h5py.File(runs["p"], "r") as f:
        df = pd.DataFrame({k: v[()] for k, v in f["panel"].items()})
    assert len(df) == len(panel)
    assert (df["firm_id"].values == panel["firm_id"].values).all()
    assert df["time"].iloc[0] == 19905          # raw CF days: 2024-07-01


def test_byte_identical_with_panel(runs):
    assert filecmp.cmp(runs["p"], runs["p1"], shallow=False)


def test_no_panel_without_flag(runs):
    with h5py.File(runs["none"], "r") as f:
        assert "panel" not in f and "events" not in f
    with h5py.File(runs["p"], "r") as f:
        assert "panel" in f and "rounds" in f["events"] and "exits" in f["events"]


def test_series_unchanged_by_panel(runs):
    with xr.open_dataset(runs["p"], engine="h5netcdf") as a, \
         xr.open_dataset(runs["none"], engine="h5netcdf") as b:
        xr.testing.assert_identical(a, b)


def test_monthly_two_replicates(runs):
    df = frame(runs["monthly"], "panel")
    with xr.open_dataset(runs["monthly"], engine="h5netcdf") as ds:
        firms = (ds["firms"] + ds["projects"]).load()
    assert set(df["replicate"]) == {0, 1}
    counts = df.groupby(["replicate", "time"]).size()
    assert len(counts) == 2 * firms.sizes["time"]             # every month
    for rep in (0, 1):
        c = counts.loc[rep]
        assert (c.values == firms.sel(replicate=rep).to_series().loc[c.index].values).all()


@pytest.mark.parametrize("args,msg", [
    (["--panel", "weekly"], "--panel: 'weekly' is not yearly or monthly"),
    (["--panel-replicates", "2"], "--panel-replicates needs --panel"),
    (["--panel", "yearly", "--panel-replicates", "0"], "--panel-replicates: '0'"),
    (["--panel", "yearly", "--panel-replicates", "5", "--replicates", "4"],
     "--panel-replicates: 5 is more than the run's 4 replicates"),
])
def test_bad_panel_options_exit_2(neobay, root, tmp_path, args, msg):
    r = sh([neobay, "run", "scenarios/baseline.yaml", "-o", str(tmp_path / "x.h5"), *args],
           root)
    assert r.returncode == 2
    assert msg in r.stderr
    assert not (tmp_path / "x.h5").exists()


def test_help_mentions_panel(neobay, root):
    r = sh([neobay, "run", "--help"], root)
    assert "--panel yearly|monthly" in r.stdout and "--panel-replicates N" in r.stdout
    assert "100 bytes per firm per snapshot" in r.stdout
