"""Sweeps end to end: the small sweep run serially, over 2 MPI ranks and as 3
Slurm-style shards merged gives the same file byte for byte; a sweep killed with
SIGKILL resumes to the same file; one point equals `neobay run` of that point alone;
`sweep check` and `sweep point`; bad sweep files exit 2 with one file:line message and
no output; the file opens in xarray."""
import os
import re
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

SMALL = "scenarios/sweeps/small.yaml"
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}
HDR_LEN = 16                      # journal header: magic + hash (io/checkpoint.h)
N_QUANT = 5


def sh(args, cwd, env=None, timeout=600):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=e, timeout=timeout)


def has_mpi(neobay, root):
    r = sh([neobay, "sweep", "--help"], root)
    return "built with MPI" in r.stdout and shutil.which("mpirun") is not None


def same_datasets(a, b):
    """Every dataset and attribute of two files, equal."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        assert sorted(fa.keys()) == sorted(fb.keys())
        assert dict(fa.attrs) == dict(fb.attrs)
        for k in fa:
            x, y = fa[k][()], fb[k][()]
            if x.dtype.kind == "f":
                assert np.array_equal(x, y, equal_nan=True), k
            else:
                assert (x == y).all(), k
            assert dict(fa[k].attrs).keys() == dict(fb[k].attrs).keys()


@pytest.fixture(scope="module")
def serial(neobay, root, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "serial.h5"
    r = sh([neobay, "sweep", SMALL, "-o", str(out), "--threads", "2"], root)
    assert r.returncode == 0, r.stderr
    assert not (out.parent / (out.name + ".journal")).exists()
    return out


def test_progress_and_summary(neobay, root, serial, tmp_path):
    r = sh([neobay, "sweep", SMALL, "-o", str(tmp_path / "x.h5"), "--threads", "1"], root)
    assert r.returncode == 0, r.stderr
    assert re.search(r"neobay: sweep: 6/6 points \(100%\), [\d.e+]+ points/s, \d+ s left", r.stderr)
    assert re.search(r"wrote .*x\.h5: 6 points x 4 replicates; 24 model runs in [\d.]+ s: [\d.e+]+ runs/s",
                     r.stderr)
    assert (tmp_path / "x.h5").read_bytes() == serial.read_bytes()    # any thread count
    r = sh([neobay, "sweep", SMALL, "-o", str(tmp_path / "q.h5"), "-q"], root)
    assert r.returncode == 0 and r.stderr == ""


def test_mpi_two_ranks_byte_identical(neobay, root, serial, tmp_path):
    if not has_mpi(neobay, root):
        pytest.skip("neobay built without MPI, or no mpirun")
    out = tmp_path / "mpi2.h5"
    r = sh(["mpirun", "-n", "2", neobay, "sweep", SMALL, "-o", str(out)], root, MPI_ENV)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "(2 ranks x" in r.stderr
    assert out.read_bytes() == serial.read_bytes()
    same_datasets(out, serial)
    out3 = tmp_path / "mpi3.h5"
    r = sh(["mpirun", "-n", "3", neobay, "sweep", SMALL, "-o", str(out3), "-q", "-t", "1"], root, MPI_ENV)
    assert r.returncode == 0, r.stdout + r.stderr
    assert out3.read_bytes() == serial.read_bytes()


def test_shards_merged_byte_identical(neobay, root, serial, tmp_path):
    shards = []
    for k in range(3):
        out = tmp_path / f"shard{k}.h5"
        # shard 1 takes K from the Slurm array task id, as an array job would
        spec = "auto/3" if k == 1 else f"{k}/3"
        r = sh([neobay, "sweep", SMALL, "--shard", spec, "-o", str(out), "-q"], root,
               {"SLURM_ARRAY_TASK_ID": str(k)})
        assert r.returncode == 0, r.stderr
        with h5py.File(out, "r") as f:
            assert list(f["point"][()]) == [p for p in range(6) if p % 3 == k]
            assert f.attrs["shard_index"] == k and f.attrs["shard_count"] == 3
        shards.append(str(out))
    merged = tmp_path / "merged.h5"
    r = sh([neobay, "sweep", "merge", "-o", str(merged), shards[2], shards[0], shards[1]], root)
    assert r.returncode == 0, r.stderr
    assert merged.read_bytes() == serial.read_bytes()
    same_datasets(merged, serial)
    with h5py.File(merged, "r") as f:
        assert "shard_index" not in f.attrs and "shard_count" not in f.attrs

    r = sh([neobay, "sweep", "merge", "-o", str(tmp_path / "bad.h5"), shards[0], shards[2]], root)
    assert r.returncode == 2 and "shard 1 missing" in r.stderr
    assert not (tmp_path / "bad.h5").exists()
    r = sh([neobay, "sweep", "merge", "-o", str(tmp_path / "bad.h5"), shards[0], shards[1], str(serial)], root)
    assert r.returncode == 2 and "not a sweep shard" in r.stderr


def kill_sweep_midway(neobay, root, sweep, out, rec, n_points, timeout=120):
    """Start a sweep and SIGKILL it once its journal holds some but not all points."""
    journal = out.parent / (out.name + ".journal")
    p = subprocess.Popen([neobay, "sweep", str(sweep), "-o", str(out), "-q", "-t", "1"], cwd=root,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        assert p.poll() is None, "the sweep ended before it could be killed"
        if journal.exists() and HDR_LEN + 2 * rec <= journal.stat().st_size < HDR_LEN + (n_points - 3) * rec:
            p.send_signal(signal.SIGKILL)
            p.wait()
            return journal
        time.sleep(0.005)
    p.kill()
    raise AssertionError("the journal never grew")


def medium_sweep(root, tmp_path, seed=5):
    """A sweep slow enough to be killed halfway: 40 points of 6 replicates."""
    path = tmp_path / f"medium{seed}.yaml"
    path.write_text(f"base: {root}/scenarios/sweeps/base-short.yaml\n"
                    f"design: lhs\npoints: 40\nreplicates: 6\nseed: {seed}\n"
                    "factors:\n  policy.guidance_fund: {min: 0, max: 1亿}\n"
                    "  origin.firms: {min: 3000, max: 6000}\n")
    return path


def test_killed_sweep_resumes_byte_identical(neobay, root, tmp_path):
    neobay = shutil.copy(neobay, tmp_path / "neobay")     # journals are bound to the build
    sweep = medium_sweep(root, tmp_path)
    full = tmp_path / "full.h5"
    r = sh([neobay, "sweep", str(sweep), "-o", str(full), "-q"], root)
    assert r.returncode == 0, r.stderr
    with h5py.File(full, "r") as f:
        n_time = f["time"].shape[0]
        n_metrics = sum(1 for k in f if k.endswith("_mean"))
    rec = 4 + 8 * n_metrics * n_time * (1 + N_QUANT) + 8

    out = tmp_path / "killed.h5"
    journal = kill_sweep_midway(neobay, root, sweep, out, rec, 40)
    assert not out.exists()
    r = sh([neobay, "sweep", str(sweep), "-o", str(out)], root)
    assert r.returncode == 0, r.stderr
    m = re.search(r"resuming from (\S+): (\d+) of 40 points already done", r.stderr)
    assert m and m.group(1) == str(journal), r.stderr
    assert 2 <= int(m.group(2)) < 40
    assert out.read_bytes() == full.read_bytes()
    assert not journal.exists()


def test_journal_of_other_sweep_refused(neobay, root, tmp_path):
    neobay = shutil.copy(neobay, tmp_path / "neobay")
    sweep = medium_sweep(root, tmp_path)
    out = tmp_path / "o.h5"
    journal = kill_sweep_midway(neobay, root, sweep, out, 1, 10 ** 9)
    before = journal.read_bytes()
    r = sh([neobay, "sweep", SMALL, "-o", str(out)], root)
    assert r.returncode == 2
    assert f"{journal}: journal of a different sweep" in r.stderr and "--restart" in r.stderr
    assert journal.read_bytes() == before and not out.exists()
    r = sh([neobay, "sweep", SMALL, "-o", str(out), "--restart", "-q"], root)
    assert r.returncode == 0, r.stderr
    assert out.exists() and not journal.exists()


def test_point_equals_neobay_run(neobay, root, serial, tmp_path):
    k = 3
    r = sh([neobay, "sweep", "point", SMALL, str(k)], root)
    assert r.returncode == 0, r.stderr
    assert f"Design point {k} of 6" in r.stdout
    point = tmp_path / "point.yaml"
    point.write_text(r.stdout)
    out = tmp_path / "point.h5"
    r = sh([neobay, "run", str(point), "-o", str(out), "-q"], root)
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as run, h5py.File(serial, "r") as sw:
        assert run["replicate"].shape[0] == sw.attrs["replicates"]
        assert np.array_equal(run["time"][()], sw["time"][()])
        names = [k[:-5] for k in sw if k.endswith("_mean")]
        assert len(names) > 20
        for m in names:
            assert np.array_equal(run[m + "_q"][()], sw[m + "_q"][k]), m
            series = run[m][()]
            acc = np.zeros(series.shape[1])
            for row in series:                  # the sweep sums in replicate order
                acc = acc + row
            assert np.array_equal(acc / series.shape[0], sw[m + "_mean"][k]), m
    r = sh([neobay, "sweep", "point", SMALL, "6"], root)
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_check_output(neobay, root):
    r = sh([neobay, "sweep", "check", SMALL], root)
    assert r.returncode == 0, r.stderr
    assert "valid sweep" in r.stdout
    assert "6 points x 4 replicates = 24 model runs" in r.stdout
    for f in ("policy.guidance_fund", "policy.incubator_budget", "stage.graduate_rate"):
        assert f in r.stdout
    assert "first 5 of 6 points" in r.stdout
    rows = [l for l in r.stdout.splitlines() if re.match(r"^\s+\d+\s", l)]
    assert len(rows) == 5
    for name, size in (("saltelli-levers", "448 points x 20 replicates = 8960 model runs"),
                       ("morris-screening", "90 points x 20 replicates = 1800 model runs")):
        r = sh([neobay, "sweep", "check", f"scenarios/sweeps/{name}.yaml"], root)
        assert r.returncode == 0, r.stderr
        assert size in r.stdout


BAD = [
    ("design: lhs\npoints: 4\nfactors:\n  policy.poc_budgt: {min: 0, max: 1}\n", ":5:3:",
     "did you mean 'policy.poc_budget'?"),
    ("design: lhs\npoints: 4\nfactors:\n  policy.poc_budget: {min: 2亿, max: 1亿}\n", ":5:",
     "max 1亿 is below min 2亿"),
    ("design: sobol\npoints: 4\nfactors:\n  origin.firms: {levels: [3000, 4000]}\n", ":5:",
     "explicit levels need design: grid"),
]


@pytest.mark.parametrize("body,where,what", BAD)
def test_bad_sweep_exit_2_no_output(neobay, root, tmp_path, body, where, what):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"base: {root}/scenarios/sweeps/base-short.yaml\n" + body)
    out = tmp_path / "out.h5"
    for cmd in (["sweep", str(bad), "-o", str(out)], ["sweep", "check", str(bad)]):
        r = sh([neobay, *cmd], root)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert lines[0].startswith(f"neobay: error: {bad}{where}") and what in lines[0], lines[0]
    assert sorted(os.listdir(tmp_path)) == ["bad.yaml"]


def test_bad_sweep_under_mpi_one_message(neobay, root, tmp_path):
    if not has_mpi(neobay, root):
        pytest.skip("neobay built without MPI, or no mpirun")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"base: {root}/scenarios/sweeps/base-short.yaml\n" + BAD[0][0])
    r = sh(["mpirun", "-n", "2", neobay, "sweep", str(bad), "-o", str(tmp_path / "o.h5")], root, MPI_ENV)
    assert r.returncode == 2
    assert r.stderr.count("neobay: error:") == 1, r.stderr
    assert sorted(os.listdir(tmp_path)) == ["bad.yaml"]


def test_opens_in_xarray(neobay, root, serial, tmp_path):
    import xarray as xr
    ds = xr.open_dataset(serial, engine="h5netcdf")
    assert dict(ds.sizes) == {"point": 6, "factor": 3, "quantile": 5, "time": 30}
    assert ds.design.dims == ("point", "factor") and ds.design_unit.dims == ("point", "factor")
    assert list(ds.factor.values) == ["policy.guidance_fund", "policy.incubator_budget", "stage.graduate_rate"]
    assert ds.firms_q.dims == ("point", "quantile", "time")
    assert ds.firms_mean.dims == ("point", "time")
    assert np.issubdtype(ds.time.dtype, np.datetime64)
    assert str(ds.time.values[0])[:10] == "2024-07-01"
    assert ds.firms_mean.attrs["units"] == "firms" and ds.firms_mean.attrs["long_name_zh"]
    for a in ("design", "points", "n_points", "replicates", "seed", "sweep_yaml", "scenario_yaml",
              "neobay_version", "git_commit", "sweep_hash"):
        assert a in ds.attrs, a
    assert ds.attrs["design"] == "lhs" and ds.attrs["n_points"] == 6
    assert re.fullmatch(r"[0-9a-f]{16}", ds.attrs["sweep_hash"])
    ds.close()

    # Morris with every replicate kept: replicate and trajectory_step dimensions
    sweep = tmp_path / "morris.yaml"
    sweep.write_text(f"base: {root}/scenarios/sweeps/base-short.yaml\n"
                     "design: morris\npoints: 2\nreplicates: 3\nfull_series: true\n"
                     "factors:\n  policy.guidance_fund: {min: 0, max: 1亿}\n"
                     "  stage.graduate_rate: {scale: [0.5, 1.5]}\n")
    out = tmp_path / "morris.h5"
    r = sh([neobay, "sweep", str(sweep), "-o", str(out), "-q"], root)
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds.sizes["point"] == 6 and ds.sizes["replicate"] == 3 and ds.sizes["trajectory_step"] == 4
    assert ds.firms.dims == ("point", "replicate", "time")
    assert ds.morris_factor.dims == ("trajectory_step",)
    u = ds.design_unit.values
    for t in range(2):
        for j in range(2):
            p = t * 3 + j
            changed = np.nonzero(u[p + 1] != u[p])[0]
            assert list(changed) == [int(ds.morris_factor.values[t * 2 + j])]
    # the quantiles of the kept replicates are the stored quantiles
    q = np.quantile(ds.firms.values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    assert np.allclose(np.moveaxis(q, 0, 1), ds.firms_q.values, rtol=1e-12, atol=0)
    ds.close()
