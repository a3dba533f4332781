"""`neobay sensitivity` as an analyst uses it, on sweep results files of the sweep
engine's layout (sweep/sweep_run.h) written here with h5py, whose outcomes are
functions with known answers: Ishigami (Sobol indices known analytically) and a
linear function (Morris mu* = |coefficient|, sigma = 0).  The table prints with
bilingual headers, ranked; the results land in group /sensitivity, readable by
xarray; a second run replaces the group; bad files and designs are refused with
exit 2 and one line, leaving the file as it was.  A last test runs the command on a
real saltelli sweep when `neobay sweep` is there."""
import math
import pathlib
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

START = "2034-01"
N_TIME = 24                                     # 2034-01 .. 2035-12
ISH_S1 = [0.3139, 0.4424, 0.0]
ISH_ST = [0.5576, 0.4424, 0.2437]
LIN_C = [3.0, -2.0, 0.5, 0.0]


def sh(args, cwd=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


def ishigami(u):
    x = -math.pi + 2 * math.pi * np.asarray(u)
    return np.sin(x[..., 0]) + 7 * np.sin(x[..., 1]) ** 2 + 0.1 * x[..., 2] ** 4 * np.sin(x[..., 0])


def linear(u):
    return 10 + np.asarray(u) @ np.array(LIN_C)


def sobol_points(n, d):
    """GSL's Sobol sequence is what the engine uses; any low-discrepancy or random
    points give the same indices within the tolerance used here."""
    rng = np.random.default_rng(4)
    return rng.random((n, d))


def saltelli(n, k):
    ab = sobol_points(n, 2 * k)
    a, b = ab[:, :k], ab[:, k:]
    blocks = [a, b]
    for i in range(k):
        m = a.copy()
        m[:, i] = b[:, i]
        blocks.append(m)
    return np.vstack(blocks)


def morris(r, k, levels=4, seed=11):
    rng = np.random.default_rng(seed)
    delta = levels / (2 * (levels - 1))
    pts, fac = [], []
    for _ in range(r):
        x = rng.integers(0, levels, k) / (levels - 1)
        pts.append(x.copy())
        order = rng.permutation(k)
        for i in order:
            x[i] = x[i] + delta if x[i] + delta <= 1 + 1e-12 else x[i] - delta
            pts.append(x.copy())
            fac.append(i)
    return np.array(pts), np.array(fac, dtype=np.int32)


def write_sweep(path, design, points, unit, outcome, names, metric="firms",
                mfactor=None, outputs=None):
    """A sweep results file: dimension scales on every axis, as the engine writes."""
    n_points, k = unit.shape
    days = [(np.datetime64(START, "M") + m).astype("datetime64[D]").astype(np.int64)
            for m in range(N_TIME)]
    with h5py.File(path, "w") as f:
        def scale(name, data, **kw):
            d = f.create_dataset(name, data=data, **kw)
            d.make_scale(name)
            return d
        scale("point", np.arange(n_points, dtype=np.int32))
        scale("factor", np.array(names, dtype=object), dtype=h5py.string_dtype())
        scale("quantile", np.array([0.05, 0.5, 0.95]))
        t = scale("time", np.array(days, dtype=np.int64))
        t.attrs["units"] = "days since 1970-01-01"
        t.attrs["calendar"] = "standard"
        y = outcome(unit)
        mean = y[:, None] * (np.arange(1, N_TIME + 1) / N_TIME)[None, :]
        for name, data, dims in (("design_unit", unit, ("point", "factor")),
                                 ("design", unit * 2, ("point", "factor")),
                                 (f"{metric}_mean", mean, ("point", "time")),
                                 (f"{metric}_q", np.repeat(mean[:, None, :], 3, axis=1),
                                  ("point", "quantile", "time"))):
            d = f.create_dataset(name, data=data)
            for i, dim in enumerate(dims):
                d.dims[i].attach_scale(f[dim])
        f[f"{metric}_mean"].attrs["long_name"] = "Active firms"
        f[f"{metric}_mean"].attrs["long_name_zh"] = "在区企业数"
        if mfactor is not None:
            scale("trajectory_step", np.arange(len(mfactor), dtype=np.int32))
            d = f.create_dataset("morris_factor", data=mfactor)
            d.dims[0].attach_scale(f["trajectory_step"])
        f.attrs["neobay_version"] = "0.1.0"
        f.attrs["design"] = design
        f.attrs["points"] = np.int64(points)
        f.attrs["n_points"] = np.int64(n_points)
        f.attrs["n_factors"] = np.int64(k)
        f.attrs["replicates"] = np.int64(8)
        f.attrs["seed"] = np.int64(1)
        f.attrs["start"] = START
        if outputs:
            f.attrs["output_metrics"] = outputs[0]
            f.attrs["output_years"] = outputs[1]
    return path


@pytest.fixture
def ish_file(tmp_path):
    n = 2048
    return write_sweep(tmp_path / "ishigami.h5", "saltelli", n, saltelli(n, 3), ishigami,
                       ["alliance.inflow", "policy.guidance_fund", "policy.poc_budget"])


def test_sobol_table_and_group(neobay, ish_file):
    r = sh([neobay, "sensitivity", str(ish_file), "--resamples", "300"])
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for text in ("Sobol", "factor 因素", "S1 一阶 [90%]", "ST 总效应 [90%]", "firms@2035",
                 "在区企业数", "2048 base rows", "/sensitivity"):
        assert text in out, text
    # Ranked by ST: x1 (0.56) > x2 (0.44) > x3 (0.24).
    rows = [l.split() for l in out.splitlines() if l.strip()[:1].isdigit() and "|" in l]
    assert [row[1] for row in rows] == ["alliance.inflow", "policy.guidance_fund",
                                        "policy.poc_budget"], out

    ds = xr.open_dataset(ish_file, engine="h5netcdf", group="sensitivity")
    assert ds.S1.dims == ("factor", "metric", "year")
    assert ds.ST_interval.dims == ("factor", "metric", "year", "bound")
    assert list(ds.metric.values) == ["firms"] and list(ds.year.values) == [2035]
    assert list(ds.bound.values) == ["lo", "hi"]
    assert list(ds.factor.values) == ["alliance.inflow", "policy.guidance_fund",
                                      "policy.poc_budget"]
    assert int(ds.year[0]) == 2035 and ds.metric.values[0] == "firms"
    assert ds.attrs["method"] == "sobol" and ds.attrs["confidence_level"] == 0.9
    s1 = ds.S1.sel(metric="firms", year=2035).values
    st = ds.ST.sel(metric="firms", year=2035).values
    np.testing.assert_allclose(s1, ISH_S1, atol=0.06)   # random points: wider than QMC
    np.testing.assert_allclose(st, ISH_ST, atol=0.06)
    lo = ds.ST_interval.sel(bound="lo").values[:, 0, 0]
    hi = ds.ST_interval.sel(bound="hi").values[:, 0, 0]
    assert np.all(lo < st) and np.all(st < hi)
    assert ds.S1.attrs["long_name_zh"] == "一阶 Sobol 指数"
    ds.close()
    # The root still opens, and what the sweep wrote is unchanged.
    root = xr.open_dataset(ish_file, engine="h5netcdf")
    assert root.firms_mean.dims == ("point", "time")
    root.close()


def test_same_numbers_from_python(neobay, ish_file):
    """The estimators of sensitivity.h, written out in numpy, give the same indices."""
    r = sh([neobay, "sensitivity", str(ish_file), "--resamples", "10"])
    assert r.returncode == 0, r.stderr
    with h5py.File(ish_file, "r") as f:
        y = f["firms_mean"][:, -1]
        s1 = f["sensitivity/S1"][:, 0, 0]
        st = f["sensitivity/ST"][:, 0, 0]
        v_file = f["sensitivity/outcome_variance"][0, 0]
    n, k = 2048, 3
    fa, fb = y[:n], y[n:2 * n]
    c = np.concatenate([fa, fb])
    v = c.var()
    for i in range(k):
        fab = y[(2 + i) * n:(3 + i) * n]
        assert s1[i] == pytest.approx(np.mean((fb - c.mean()) * (fab - fa)) / v, abs=1e-12)
        assert st[i] == pytest.approx(np.mean((fa - fab) ** 2) / (2 * v), abs=1e-12)
    assert v_file == pytest.approx(v, rel=1e-12)


def test_second_run_replaces_the_group(neobay, ish_file):
    assert sh([neobay, "sensitivity", str(ish_file), "-b", "20"]).returncode == 0
    r = sh([neobay, "sensitivity", str(ish_file), "-b", "20", "--year", "2034",
            "--year", "2035"])
    assert r.returncode == 0, r.stderr
    with h5py.File(ish_file, "r") as f:
        assert [s.decode() for s in f["sensitivity/metric"][()]] == ["firms"]
        assert list(f["sensitivity/year"][()]) == [2034, 2035]
        s1 = f["sensitivity/S1"][()]
        np.testing.assert_allclose(s1[:, 0, 0], s1[:, 0, 1], atol=1e-9)   # 2034 = 2035 / 2
        assert list(f.keys()).count("sensitivity") == 1
    size2 = ish_file.stat().st_size
    assert sh([neobay, "sensitivity", str(ish_file), "-b", "20", "-y", "2034", "-y",
               "2035"]).returncode == 0
    # Rerunning does not pile up: the replaced group's space is reused.
    assert ish_file.stat().st_size <= size2 * 1.05
    assert not list(ish_file.parent.glob("*.part-*"))


def test_no_write_leaves_the_file(neobay, ish_file):
    before = ish_file.read_bytes()
    r = sh([neobay, "sensitivity", str(ish_file), "-b", "20", "--no-write"])
    assert r.returncode == 0, r.stderr
    assert "S1" in r.stdout
    assert ish_file.read_bytes() == before


def test_morris(neobay, tmp_path):
    unit, fac = morris(20, 4)
    path = write_sweep(tmp_path / "morris.h5", "morris", 20, unit, linear,
                       ["a.one", "b.two", "c.three", "d.four"], metric="listed", mfactor=fac,
                       outputs=("listed", "2034 2035"))
    r = sh([neobay, "sensitivity", str(path), "-b", "50"])
    assert r.returncode == 0, r.stderr
    for text in ("Morris", "μ* 平均绝对效应 [90%]", "σ 标准差", "listed@2034", "listed@2035"):
        assert text in r.stdout, text
    ds = xr.open_dataset(path, engine="h5netcdf", group="sensitivity")
    assert ds.attrs["method"] == "morris"
    ms = ds.mu_star.sel(metric="listed", year=2035).values
    np.testing.assert_allclose(ms, np.abs(LIN_C), atol=1e-9)
    np.testing.assert_allclose(ds.mu.sel(metric="listed", year=2035).values, LIN_C, atol=1e-9)
    np.testing.assert_allclose(ds.sigma.values, 0, atol=1e-9)
    np.testing.assert_allclose(ds.mu_star.sel(metric="listed", year=2034).values,
                               np.abs(LIN_C) * 12 / 24, atol=1e-9)
    ds.close()


def one_line_error(r):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neobay: error: "), r.stderr
    return lines[0]


@pytest.mark.parametrize("design", ["grid", "lhs", "sobol"])
def test_other_designs_refused(neobay, tmp_path, design):
    path = write_sweep(tmp_path / "g.h5", design, 50, np.random.default_rng(1).random((50, 3)),
                       ishigami, ["a", "b", "c"])
    before = path.read_bytes()
    msg = one_line_error(sh([neobay, "sensitivity", str(path)]))
    assert "needs a saltelli or morris design" in msg and design in msg
    assert path.read_bytes() == before


def test_bad_files_refused(neobay, ish_file, tmp_path):
    data = ish_file.read_bytes()
    broken = tmp_path / "truncated.h5"
    broken.write_bytes(data[: len(data) // 2])
    msg = one_line_error(sh([neobay, "sensitivity", str(broken)]))
    assert str(broken) in msg
    assert broken.read_bytes() == data[: len(data) // 2]

    text = tmp_path / "notes.h5"
    text.write_text("design: saltelli\n")
    assert "not a neobay sweep file" in one_line_error(sh([neobay, "sensitivity", str(text)]))
    assert "not a neobay sweep file" in one_line_error(
        sh([neobay, "sensitivity", str(tmp_path / "missing.h5")]))

    run = tmp_path / "run.h5"                     # an HDF5 file, but not a sweep
    with h5py.File(run, "w") as f:
        f.attrs["neobay_version"] = "0.1.0"
        f["firms"] = np.zeros((2, 3))
    assert "no 'design' attribute" in one_line_error(sh([neobay, "sensitivity", str(run)]))

    with h5py.File(ish_file, "a") as f:
        f.attrs["shard_index"] = np.int64(1)
        f.attrs["shard_count"] = np.int64(3)
    assert "merge the shards first" in one_line_error(sh([neobay, "sensitivity", str(ish_file)]))


def test_bad_requests_refused(neobay, ish_file):
    before = ish_file.read_bytes()
    msg = one_line_error(sh([neobay, "sensitivity", str(ish_file), "--metric", "unicorns"]))
    assert "no metric 'unicorns'" in msg and "firms" in msg
    msg = one_line_error(sh([neobay, "sensitivity", str(ish_file), "--year", "2040"]))
    assert "December 2040 is not in this sweep" in msg and "2034-01" in msg
    r = sh([neobay, "sensitivity", str(ish_file), "--metric", "unicorn"])
    assert r.returncode == 2 and "did you mean 'unicorns'" in r.stderr
    r = sh([neobay, "sensitivity"])
    assert r.returncode == 2 and "no sweep results file" in r.stderr
    assert ish_file.read_bytes() == before


def test_help(neobay):
    r = sh([neobay, "sensitivity", "--help"])
    assert r.returncode == 0 and "saltelli" in r.stdout and "morris" in r.stdout
    assert "sensitivity" in sh([neobay, "--help"]).stdout


DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "sweeps"


@pytest.fixture(scope="module")
def real(neobay, root, tmp_path_factory):
    """What `neobay sweep` writes, for a tiny saltelli and a tiny morris sweep
    (tests/data/sweeps, the baseline to 2025-12) and the shipped lhs example."""
    if sh([neobay, "sweep", "--help"]).returncode != 0:
        pytest.skip("`neobay sweep` is not built yet")
    out = tmp_path_factory.mktemp("real")
    files = {}
    for name, sweep in (("saltelli", DATA / "tiny-saltelli.yaml"),
                        ("morris", DATA / "tiny-morris.yaml"),
                        ("lhs", root / "scenarios" / "sweeps" / "small.yaml")):
        if not sweep.exists():
            continue
        # tiny-base.yaml extends scenarios/baseline.yaml, outside tests/data's tree
        r = sh([neobay, "sweep", str(sweep), "-o", str(out / f"{name}.h5"), "-q",
                "--allow-extends-outside"], cwd=root)
        assert r.returncode == 0, r.stderr
        files[name] = out / f"{name}.h5"
    return files


def test_real_saltelli_sweep(neobay, real):
    """Defaults come from the sweep's outputs (firms, listed at December 2025)."""
    path = real["saltelli"]
    r = sh([neobay, "sensitivity", str(path), "-b", "200"])
    assert r.returncode == 0, r.stderr
    assert "firms@2025" in r.stdout and "listed@2025" in r.stdout
    ds = xr.open_dataset(path, engine="h5netcdf", group="sensitivity")
    root_ds = xr.open_dataset(path, engine="h5netcdf")
    assert list(ds.metric.values) == ["firms", "listed"] and list(ds.year.values) == [2025]
    assert list(ds.factor.values) == list(root_ds.factor.values)
    assert ds.S1.dims == ("factor", "metric", "year") and ds.attrs["seed"] == root_ds.attrs["seed"]
    # firms varies over this design: its total indices are finite and not negative.
    st = ds.ST.sel(metric="firms", year=2025).values
    assert np.all(np.isfinite(st)) and np.all(st >= 0)
    # The outcome analysed is the sweep's mean at December 2025.
    y = root_ds.firms_mean.sel(time="2025-12-01").values
    assert ds.outcome_mean.sel(metric="firms", year=2025) == pytest.approx(y.mean(), rel=1e-12)
    ds.close()
    root_ds.close()


def test_real_morris_sweep(neobay, real):
    path = real["morris"]
    r = sh([neobay, "sensitivity", str(path), "-b", "100", "--metric", "firms"])
    assert r.returncode == 0, r.stderr
    with h5py.File(path, "r") as f:
        u = f["design_unit"][()]
        mf = f["morris_factor"][()].reshape(-1)
        y = f["firms_mean"][:, -1]
        ms = f["sensitivity/mu_star"][:, 0, 0]
        mu = f["sensitivity/mu"][:, 0, 0]
    k = u.shape[1]
    ee = [[] for _ in range(k)]
    for t in range(len(mf) // k):
        for j in range(k):
            p = t * (k + 1) + j
            i = mf[t * k + j]
            ee[i].append((y[p + 1] - y[p]) / (u[p + 1, i] - u[p, i]))
    np.testing.assert_allclose(ms, [np.mean(np.abs(e)) for e in ee], rtol=1e-12)
    np.testing.assert_allclose(mu, [np.mean(e) for e in ee], rtol=1e-12, atol=1e-9)


def test_real_lhs_sweep_refused(neobay, real):
    if "lhs" not in real:
        pytest.skip("scenarios/sweeps/small.yaml is not there")
    msg = one_line_error(sh([neobay, "sensitivity", str(real["lhs"])]))
    assert "needs a saltelli or morris design" in msg and "'lhs'" in msg
