"""Results files as an analyst opens them: xarray (h5netcdf engine) and h5py see
named dimensions, CF time, bilingual metadata and the parameters group; the file is
the same byte for byte whatever the thread count; `neobay summary` prints the key
table and refuses damaged or foreign files with a one-line message."""
import filecmp
import resource
import shutil
import signal
import subprocess
import unicodedata

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

REPLICATES = 8


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def runs(neobay, root, tmp_path_factory):
    """The baseline scenario run with 1 and with 2 threads: {threads: path}."""
    out = tmp_path_factory.mktemp("output")
    paths = {}
    for threads in (1, 2):
        path = out / f"b{threads}.h5"
        # Options first, so the command works whether or not options may follow the
        # scenario path.
        r = sh([neobay, "run", "-o", str(path), "--replicates", str(REPLICATES),
                "--threads", str(threads), "scenarios/baseline.yaml"], root)
        assert r.returncode == 0, r.stderr
        paths[threads] = path
    assert sorted(p.name for p in out.iterdir()) == ["b1.h5", "b2.h5"]   # no temporaries
    return paths


@pytest.fixture(scope="module")
def ds(runs):
    with xr.open_dataset(runs[1], engine="h5netcdf") as d:
        yield d.load()


@pytest.fixture(scope="module")
def params(runs):
    with xr.open_dataset(runs[1], engine="h5netcdf", group="parameters") as p:
        yield p.load()


def is_chinese(text):
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def display_width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


# ---- xarray ----------------------------------------------------------------------------

MILESTONES = {"p_alliance_300yi": ("alliance_committed", 3e10, "source document"),
              "p_hightech_1000": ("hightech", 1000, "2023 plan"),
              "p_revenue_1000yi": ("revenue", 1e11, "2023 plan"),
              "p_valuation_1wanyi": ("valuation", 1e12, "2023 plan")}


def is_series(ds, name):
    return ds[name].dims in (("replicate", "time"), ("quantile", "time"))


# Parameters drawn for each replicate (the default of run, issue 11): not metrics.
DRAWS = {"posterior_draw", "posterior_particle", "effect_draw"}


def test_named_dimensions(ds):
    assert set(ds.dims) == {"time", "replicate", "quantile", "year", "horizon",
                            "parameter", "effect_parameter"}
    assert ds["posterior_draw"].dims == ("replicate", "parameter")
    assert ds["effect_draw"].dims == ("replicate", "effect_parameter")
    assert ds.dims["replicate"] == REPLICATES
    assert ds["firms"].dims == ("replicate", "time")
    assert ds["firms_q"].dims == ("quantile", "time")
    assert list(ds["quantile"].values) == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert list(ds["replicate"].values) == list(range(REPLICATES))


def test_time_is_monthly_datetime(ds):
    t = ds["time"]
    assert np.issubdtype(t.dtype, np.datetime64)
    assert t.values[0] == np.datetime64("2024-07-01")
    expected = pd.date_range("2024-07-01", periods=t.size, freq="MS")
    assert (pd.DatetimeIndex(t.values) == expected).all()
    assert pd.Timestamp(t.values[-1]) == pd.Timestamp("2035-12-01")


def test_every_metric_has_metadata(ds):
    metrics = [v for v in ds.data_vars if not v.endswith("_q") and is_series(ds, v)]
    assert "firms" in metrics and "unicorns" in metrics
    for name in list(ds.data_vars):
        a = ds[name].attrs
        if name in DRAWS:
            for key in ("long_name", "long_name_zh", "definition"):
                assert isinstance(a.get(key), str) and a[key], (name, key)
            assert "units" in a or a["comment"].startswith("units: see "), name
            continue
        for key in ("units", "long_name", "long_name_zh", "definition"):
            assert isinstance(a.get(key), str) and a[key], (name, key)
        assert is_chinese(a["long_name_zh"]), name
        if is_series(ds, name) or name.endswith("_at"):
            assert a["kind"] in ("stock", "flow"), name
        else:
            assert name in MILESTONES, name
    assert ds["firms"].attrs["long_name_zh"] == "在区企业数"
    # CF units (UDUNITS): money "1/year" with currency CNY, the registry's unit kept
    assert ds["revenue"].attrs["units"] == "1/year" and ds["revenue"].attrs["currency"] == "CNY"
    assert ds["revenue"].attrs["units_label"].startswith("RMB")


def test_quantiles_match_the_series(ds):
    """<metric>_q holds the type-7 quantiles (numpy's default) of <metric>."""
    for name in ("firms", "revenue", "unicorns"):
        q = ds[name].quantile(ds["quantile"].values, dim="replicate")
        np.testing.assert_allclose(ds[name + "_q"].values, q.values, rtol=1e-12, atol=0)


def test_milestones(ds):
    """p_<goal>(year): the share of replicates in which the metric reached the
    threshold at some month up to December of the year, recomputed here from the
    series."""
    years = ds["year"].values
    assert ds["year"].dtype == np.int32
    assert list(years) == list(range(2024, 2036))
    for name, (metric, threshold, source) in MILESTONES.items():
        p = ds[name]
        assert p.dims == ("year",)
        a = p.attrs
        assert a["units"] == "1" and a["metric"] == metric
        assert float(a["threshold"]) == threshold and a["source"] == source
        assert is_chinese(a["long_name_zh"])
        reached = (ds[metric] >= threshold).cumsum("time") > 0
        for k, y in enumerate(years):
            upto = reached.sel(time=slice(None, f"{y}-12-01")).isel(time=-1)
            assert p.values[k] == pytest.approx(float(upto.mean()), abs=1e-12), (name, y)
        assert (np.diff(p.values) >= 0).all() and ((p >= 0) & (p <= 1)).all()


def test_horizon_distributions(ds):
    assert list(ds["horizon"].values) == [2030, 2035]
    assert ds["horizon"].dtype == np.int32
    for name in ("unicorns", "listed"):
        at = ds[name + "_at"]
        assert at.dims == ("replicate", "horizon")
        for y in (2030, 2035):
            np.testing.assert_array_equal(at.sel(horizon=y).values,
                                          ds[name].sel(time=f"{y}-12-01").values)
        assert at.attrs["units"] == ds[name].attrs["units"]


def test_root_attributes(ds):
    a = ds.attrs
    assert isinstance(a["scenario_yaml"], str) and len(a["scenario_yaml"]) > 100
    assert a["scenario_name"] == "baseline"
    assert a["scenario_path"].endswith("baseline.yaml")
    assert isinstance(a["neobay_version"], str) and a["neobay_version"]
    assert isinstance(a["git_commit"], str) and a["git_commit"]
    assert int(a["replicates"]) == REPLICATES
    assert int(a["seed"]) >= 0
    assert a["start"] == "2024-07"
    assert a["Conventions"] == "CF-1.8"
    assert a["unicorn_definition"].startswith("unicorn: unlisted, valued >= ")
    assert a["gazelle_definition"].startswith("gazelle: ")


def test_parameters_group(params, ds):
    assert set(params.dims) == {"parameter", "time"}
    names = list(params["parameter"].values)
    assert "run.seed" in names and len(names) == len(set(names))
    assert all(isinstance(n, str) for n in names)
    assert params["value"].dims == ("parameter", "time")
    for col in ("unit", "type", "description", "source"):
        assert params[col].dims == ("parameter",)
        assert all(isinstance(v, str) for v in params[col].values), col
    for col in ("default", "min", "max", "measure"):
        assert params[col].dims == ("parameter",)
    assert (params["time"].values == ds["time"].values).all()
    seed = params["value"].sel(parameter="run.seed")
    assert (seed.values == float(ds.attrs["seed"])).all()


def test_no_phony_dimensions(runs):
    """Every axis has a dimension scale: h5netcdf invents phony_dim_N otherwise."""
    for group in (None, "parameters"):
        with xr.open_dataset(runs[1], engine="h5netcdf", group=group) as d:
            assert not [n for n in d.dims if str(n).startswith("phony_dim")]


# ---- reproducibility ---------------------------------------------------------------------

def h5_items(path):
    """{name: (values, attrs)} of every dataset and group in an HDF5 file."""
    items = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            attrs = {k: v for k, v in obj.attrs.items() if k not in ("DIMENSION_LIST", "REFERENCE_LIST")}
            values = obj[()] if isinstance(obj, h5py.Dataset) else None
            items[name] = (values, attrs)
        visit("/", f)
        f.visititems(visit)
    return items


def test_thread_count_does_not_change_the_file(runs):
    a, b = h5_items(runs[1]), h5_items(runs[2])
    assert a.keys() == b.keys()
    for name in a:
        va, vb = a[name][0], b[name][0]
        if va is not None:
            assert va.shape == vb.shape and va.dtype == vb.dtype, name
            assert np.array_equal(va, vb, equal_nan=va.dtype.kind == "f"), name
        assert a[name][1].keys() == b[name][1].keys(), name
        for k in a[name][1]:
            assert np.array_equal(a[name][1][k], b[name][1][k]), (name, k)
    assert filecmp.cmp(runs[1], runs[2], shallow=False)


# ---- summary ---------------------------------------------------------------------------------

def test_summary_prints_the_table(neobay, root, runs):
    r = sh([neobay, "summary", str(runs[1])], root)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for text in ("baseline", "firms", "在区企业数", "unicorns", "独角兽企业数",
                 "valuation", "亿", "2024-07", "2024-12", "2030-12", "2035-12",
                 "milestones", "基金联盟认缴规模达300亿元", "High-tech firms >= 1000",
                 "at the horizons"):
        assert text in out, text
    years = [l for l in out.splitlines() if l.startswith("reached by the end of")]
    assert years and "2024" in years[0] and "2035" in years[-1]
    assert out.count("%") > 40
    assert max(display_width(l) for l in out.splitlines()) <= 120


def assert_one_line_error(r, path, words):
    assert r.returncode != 0
    assert r.stdout == ""
    err = r.stderr.strip()
    assert "\n" not in err, err
    assert "Traceback" not in err
    assert str(path) in err and words in err, err


def test_summary_of_truncated_file(neobay, root, runs, tmp_path):
    cut = tmp_path / "cut.h5"
    data = runs[1].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    r = sh([neobay, "summary", str(cut)], root)
    assert_one_line_error(r, cut, "damaged results file")


def test_summary_of_text_file(neobay, root, tmp_path):
    txt = tmp_path / "notes.h5"
    txt.write_text("not HDF5 at all\n")
    r = sh([neobay, "summary", str(txt)], root)
    assert_one_line_error(r, txt, "not a neobay results file")


def test_summary_of_foreign_hdf5(neobay, root, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    r = sh([neobay, "summary", str(other)], root)
    assert_one_line_error(r, other, "not a neobay results file")


def test_summary_of_missing_file(neobay, root, tmp_path):
    missing = tmp_path / "missing.h5"
    r = sh([neobay, "summary", str(missing)], root)
    assert_one_line_error(r, missing, "not a neobay results file")


def limit_file_size():
    """In the child: writes past 64 KiB fail with EFBIG instead of killing it."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))


def test_failed_write_keeps_the_old_file(neobay, root, runs, tmp_path):
    """A run that cannot finish writing its output leaves an existing file as it was
    and no temporary behind."""
    target = tmp_path / "keep.h5"
    shutil.copy(runs[1], target)
    before = target.read_bytes()
    assert len(before) > 65536
    r = subprocess.run([neobay, "run", "-o", str(target), "--replicates", str(REPLICATES),
                        "--threads", "1", "scenarios/baseline.yaml"], cwd=root,
                       capture_output=True, text=True, preexec_fn=limit_file_size)
    assert r.returncode != 0
    assert str(target) in r.stderr and "Traceback" not in r.stderr
    assert target.read_bytes() == before
    # No temporary behind; the checkpoint stays on purpose, so a rerun resumes.
    assert {p.name for p in tmp_path.iterdir()} <= {"keep.h5", "keep.h5.ckpt"}
