"""`neobay calibrate` end to end: a tiny ABC-SMC calibration writes an xarray-readable
posterior, the same bytes for any thread count and after a SIGKILL and rerun; the
report prints the fit table and the posterior; broken files exit 2 naming
file:line:col and key; `neobay run --posterior` stores each replicate's draw.  Also
checks the committed calibration (calibration/): every Greater Neo Bay target inside
its 90% interval, every source cited exactly as data.md gives it."""
import pathlib
import re
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest
import xarray as xr

BASE = """\
name: tiny
run: {origin: 2022-01, start: 2023-02, end: 2024-02, replicates: 1, seed: 5}
origin: {firms: 300}
entry: {relocation_rate: 3}
conversion: {prob: 0.02}
"""

TARGETS = """\
targets:
  - id: firms_end
    figure: 420 firms
    when: 2024-02
    source: synthetic
    value: 420
    sd: 10
    uncertainty: test
    statistic: {metric: firms, at: 2024-02}
  - id: hightech_end
    figure: 80 high-tech
    when: 2024-02
    source: synthetic
    value: 80
    range: [75, 85]
    sd: 5
    uncertainty: test
    statistic: {metric: hightech, at: 2024-02}
  - id: other
    role: excluded
    figure: a national count
    when: "2023"
    source: elsewhere
    note: not comparable
"""

CAL = """\
name: tiny-cal
scenario: base.yaml
targets: targets.yaml
parameters:
  entry.other_rate: {min: 0, max: 30}
  hightech.rate: {min: 0.001, max: 0.05, log: true}
  origin.firms: {min: 40, max: 60, nuisance: true}
particles: {particles}
generations: {generations}
replicates: 1
predictive: 2
batch: 50
seed: 11
"""


def sh(args, cwd):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "targets.yaml").write_text(TARGETS)
    (tmp_path / "cal.yaml").write_text(CAL.replace("{particles}", "80").replace("{generations}", "4"))
    return tmp_path


def calibrate(neobay, d, out, *extra):
    return sh([neobay, "calibrate", "cal.yaml", "-o", out, "-q", *extra], d)


def test_posterior_file_opens_in_xarray(neobay, tiny):
    r = calibrate(neobay, tiny, "post.h5", "-t", "2")
    assert r.returncode == 0, r.stderr
    assert not (tiny / "post.h5.ckpt").exists()
    ds = xr.open_dataset(tiny / "post.h5", engine="h5netcdf")
    assert ds.sizes["particle"] == 80 and ds.sizes["generation"] == 4
    assert list(ds["parameter"].values) == ["entry.other_rate", "hightech.rate", "origin.firms"]
    assert list(ds["target"].values) == ["firms_end", "hightech_end"]
    assert ds.particles.dims == ("particle", "parameter")
    assert ds.history_particles.dims == ("generation", "particle", "parameter")
    assert ds.predictive.dims == ("particle", "predictive_replicate", "target")
    assert abs(float(ds.weights.sum()) - 1) < 1e-9
    tol = ds.tolerance.values
    assert np.isinf(tol[0]) and np.all(np.diff(tol[1:]) < 0)
    assert np.all(ds.distance.values <= tol[-1])
    assert np.all((ds.acceptance_rate.values > 0) & (ds.acceptance_rate.values <= 1))
    assert list(ds.nuisance.values) == [0, 0, 1]
    assert ds.unit.sel(parameter="entry.other_rate").item() == "firms/month"
    assert ds.observed_lo.sel(target="hightech_end").item() == 75
    assert ds.source_text.sel(target="firms_end").item() == "synthetic"
    assert list(ds["unused"].values) == ["other"]
    assert ds.attrs["calibration_name"] == "tiny-cal"
    assert "ABC-SMC" in ds.attrs["method"]
    for k in ("calibration_yaml", "targets_yaml", "scenario_yaml"):
        assert ds.attrs[k]
    th = ds.particles.values
    assert np.all((th[:, 0] >= 0) & (th[:, 0] <= 30) & (th[:, 1] >= 0.001) & (th[:, 1] <= 0.05))


def test_same_bytes_for_any_thread_count(neobay, tiny):
    assert calibrate(neobay, tiny, "a.h5", "-t", "1").returncode == 0
    assert calibrate(neobay, tiny, "b.h5", "-t", "2").returncode == 0
    assert (tiny / "a.h5").read_bytes() == (tiny / "b.h5").read_bytes()


def test_sigkill_then_rerun_gives_the_same_posterior(neobay, tiny, tmp_path):
    exe = shutil.copy(neobay, tmp_path / "neobay")   # one build for every run of the test
    (tiny / "cal.yaml").write_text(CAL.replace("{particles}", "150").replace("{generations}", "5"))
    r = calibrate(exe, tiny, "whole.h5", "-t", "2")
    assert r.returncode == 0, r.stderr
    ckpt = tiny / "cut.h5.ckpt"
    p = subprocess.Popen([exe, "calibrate", "cal.yaml", "-o", "cut.h5", "-q", "-t", "2"], cwd=tiny,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        assert p.poll() is None, "the calibration ended before it could be killed"
        if ckpt.exists() and ckpt.stat().st_size > 60000:
            break
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert ckpt.exists() and not (tiny / "cut.h5").exists()
    r = sh([exe, "calibrate", "cal.yaml", "-o", "cut.h5", "-t", "1"], tiny)
    assert r.returncode == 0, r.stderr
    assert re.search(r"resuming from \S*cut\.h5\.ckpt: \d+ journal records", r.stderr), r.stderr
    assert (tiny / "cut.h5").read_bytes() == (tiny / "whole.h5").read_bytes()
    assert not ckpt.exists()


def test_journal_of_another_calibration_refused(neobay, tiny):
    ckpt = tiny / "c.h5.ckpt"
    ckpt.write_text("not a journal\n")
    r = calibrate(neobay, tiny, "c.h5")
    assert r.returncode == 2
    assert "checkpoint of a different run" in r.stderr and "c.h5.ckpt" in r.stderr
    assert ckpt.read_text() == "not a journal\n"
    r = calibrate(neobay, tiny, "c.h5", "--restart")
    assert r.returncode == 0, r.stderr
    assert (tiny / "c.h5").exists() and not ckpt.exists()


def test_report(neobay, tiny):
    assert calibrate(neobay, tiny, "post.h5").returncode == 0
    r = sh([neobay, "calibrate", "report", "post.h5"], tiny)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for word in ("target", "目标", "observed", "观测值", "simulated median", "模拟中位数",
                 "90% interval", "90%区间", "within", "是否在内", "Posterior", "后验",
                 "firms_end", "hightech_end", "entry.other_rate", "hightech.rate",
                 "origin.firms *", "targets inside the simulated 90% interval"):
        assert word in out, word
    row = next(line for line in out.splitlines() if line.startswith("hightech_end"))
    assert "80 [75-85]" in row
    assert re.search(r"\[\d[\d.e+-]*, \d[\d.e+-]*\]", row)
    r = sh([neobay, "calibrate", "report", "base.yaml"], tiny)
    assert r.returncode == 2 and "base.yaml" in r.stderr


BROKEN = [
    ("parameters:\n  entry.other_rat: {}\nscenario: base.yaml\ntargets: targets.yaml\n",
     "cal.yaml:2:3: key 'parameters.entry.other_rat': unknown parameter; did you mean 'entry.other_rate'?"),
    ("scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {min: 0, max: 2}\n",
     "cal.yaml:4:32: key 'parameters.hightech.rate.max': 2 is outside the registry range"),
    ("scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {}\nparticles: lots\n",
     "cal.yaml:5:12: key 'particles': 'lots' is not a number"),
    ("scenario: base.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {}\ngenerationz: 3\n",
     "cal.yaml:5:1: key 'generationz': unknown key; did you mean 'generations'?"),
    ("scenario: nowhere.yaml\ntargets: targets.yaml\nparameters:\n  hightech.rate: {}\n",
     "cal.yaml:1:11: key 'scenario': nowhere.yaml: cannot read the scenario"),
]


@pytest.mark.parametrize("text,want", BROKEN)
def test_broken_calibration_exits_2(neobay, tiny, text, want):
    (tiny / "cal.yaml").write_text(text)
    r = sh([neobay, "calibrate", "cal.yaml", "-o", "x.h5"], tiny)
    assert r.returncode == 2
    assert r.stderr.startswith("neobay: error: ")
    assert want in r.stderr, r.stderr
    assert not (tiny / "x.h5").exists()


def test_broken_targets_exit_2(neobay, tiny):
    (tiny / "targets.yaml").write_text(TARGETS.replace("    sd: 10\n", "    sd: -1\n"))
    (tiny / "cal.yaml").write_text(CAL.replace("{particles}", "20").replace("{generations}", "2"))
    for args in (["calibrate", "cal.yaml", "-o", "x.h5"], ["calibrate", "check", "cal.yaml"]):
        r = sh([neobay, *args], tiny)
        assert r.returncode == 2
        assert "targets.yaml:7:9: key 'targets[0].sd': must be above 0" in r.stderr, r.stderr


def test_check_prints_the_distance(neobay, tiny):
    r = sh([neobay, "calibrate", "check", "cal.yaml", "--set", "entry.other_rate=12"], tiny)
    assert r.returncode == 0, r.stderr
    assert "firms_end" in r.stdout and re.search(r"distance \d", r.stdout)
    assert "value 12" in r.stdout


def test_msm_point_estimate(neobay, tiny):
    r = sh([neobay, "calibrate", "--msm", "cal.yaml", "--iterations", "15", "-q"], tiny)
    assert r.returncode == 0, r.stderr
    assert "method of simulated moments" in r.stdout
    m = re.search(r"^entry\.other_rate: ([\d.e+-]+)$", r.stdout, re.M)
    assert m and 0 <= float(m.group(1)) <= 30


def test_run_with_posterior(neobay, tiny):
    assert calibrate(neobay, tiny, "post.h5").returncode == 0
    (tiny / "proj.yaml").write_text("extends: base.yaml\nname: proj\nentry: {other_rate: 8}\n"
                                    "run: {replicates: 12}\n")
    (tiny / "proj2.yaml").write_text("extends: base.yaml\nname: proj2\nrun: {replicates: 12}\n")
    r = sh([neobay, "run", "proj2.yaml", "--posterior", "post.h5", "-o", "a.h5", "-t", "1", "-q"], tiny)
    assert r.returncode == 0, r.stderr
    r = sh([neobay, "run", "proj2.yaml", "--posterior", "post.h5", "-o", "b.h5", "-t", "2", "-q"], tiny)
    assert r.returncode == 0, r.stderr
    assert (tiny / "a.h5").read_bytes() == (tiny / "b.h5").read_bytes()
    ds = xr.open_dataset(tiny / "a.h5", engine="h5netcdf")
    post = xr.open_dataset(tiny / "post.h5", engine="h5netcdf")
    assert ds.posterior_draw.dims == ("replicate", "parameter")
    assert list(ds["parameter"].values) == ["entry.other_rate", "hightech.rate"]   # not the nuisance
    idx = ds.posterior_particle.values
    assert len(set(idx)) > 1
    np.testing.assert_array_equal(ds.posterior_draw.values,
                                  post.particles.values[idx][:, :2])
    assert ds.posterior_draw.attrs["posterior_file"] == "post.h5"
    assert "# posterior: post.h5" in ds.attrs["scenario_yaml"]
    # The scenario's own value wins over the posterior (with a note).
    r = sh([neobay, "run", "proj.yaml", "--posterior", "post.h5", "-o", "c.h5"], tiny)
    assert r.returncode == 0, r.stderr
    assert "entry.other_rate is set by proj.yaml:3" in r.stderr
    with h5py.File(tiny / "c.h5") as f:
        assert [n.decode() for n in f["parameter"][()]] == ["hightech.rate"]
    # Bad uses.
    r = sh([neobay, "run", "proj2.yaml", "--posterior", "base.yaml", "-o", "d.h5"], tiny)
    assert r.returncode == 2 and "base.yaml" in r.stderr
    # With micro-data (once refused): each panel replicate is rerun with its draw.
    r = sh([neobay, "run", "proj2.yaml", "--posterior", "post.h5", "--panel", "yearly", "-o", "e.h5",
            "-q"], tiny)
    assert r.returncode == 0, r.stderr
    with h5py.File(tiny / "e.h5") as f:
        assert "panel" in f and "posterior_draw" in f


# ---- the committed calibration --------------------------------------------------------

def data_md_sources(root):
    """The source column of every table in the brief's data.md."""
    path = root.parent / "shared" / "brief" / "data.md"
    if not path.exists():
        pytest.skip("the project brief's data.md is not here")
    sources = set()
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and not set(cells[2]) <= set("-"):
            sources.add(cells[2])
    return sources


def test_targets_cite_data_md_exactly(root):
    import yaml
    sources = data_md_sources(root)
    doc = yaml.safe_load((root / "calibration" / "targets.yaml").read_text())
    for t in doc["targets"]:
        assert t["source"] in sources, (t["id"], t["source"])
    cited = {t["source"] for t in doc["targets"]}
    assert cited == sources - {"source"}, sources - cited


def test_committed_calibration_report(neobay, root):
    """The committed calibration (made on the spin-up model, 2026-12) reports every zone
    target; firms, listings and high-tech counts are inside the simulated 90% interval.
    The valued-firm counts are not (known misfit, calibration/README.md, issue 11):
    this asserts that they are reported as such rather than hiding them."""
    post = root / "calibration" / "gnb-2024.h5"
    if not post.exists():
        pytest.skip("no committed calibration yet")
    r = sh([neobay, "calibrate", "report", post], root)
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.split()}
    for tid in ("firms_2024_07", "listed_2024_07", "hightech_2024_07"):
        assert "yes" in rows[tid], rows[tid]
    for tid in ("valued_1e8_2024_07", "valued_1e9_2024_07"):
        assert tid in rows
    readme = (root / "calibration" / "README.md").read_text()
    assert "neobay calibrate calibration/gnb-2024.yaml" in readme


def sbc(neobay, cwd, out, *extra):
    return sh([neobay, "calibrate", "sbc", "cal.yaml", "--truths", "4", "--particles", "40",
               "--generations", "3", "-o", out, *extra], cwd)


def test_sbc_file_opens_in_xarray(neobay, tiny):
    """`calibrate sbc` (issue 11): truths from the prior, each calibrated on its own
    synthetic history; the table names every parameter, the file has named dimensions,
    ranks lie in [0, 1], and no journal is left behind."""
    r = sbc(neobay, tiny, "sbc.h5", "-t", "2")
    assert r.returncode == 0, r.stderr
    for name in ("entry.other_rate", "hightech.rate", "origin.firms", "coverage", "width ratio"):
        assert name in r.stdout, r.stdout
    ds = xr.open_dataset(tiny / "sbc.h5")
    assert dict(ds.sizes) == {"truth": 4, "parameter": 3}
    assert ds["rank"].dims == ("truth", "parameter")
    ran = ds["ran"].values == 1
    assert ran.sum() >= 3
    rk = ds["rank"].values[ran]
    assert ((rk >= 0) & (rk <= 1)).all()
    assert set(np.unique(ds["covered"].values[ran])) <= {0.0, 1.0}
    assert ds["coverage"].dims == ("parameter",)
    assert ds.attrs["truths"] == 4
    assert not list(tiny.glob("sbc.h5.ckpt*"))


def test_sbc_killed_then_rerun_gives_the_same_file(neobay, tiny, tmp_path):
    exe = shutil.copy(neobay, tmp_path / "neobay")
    assert sbc(exe, tiny, "whole.h5", "-t", "2").returncode == 0
    p = subprocess.Popen([exe, "calibrate", "sbc", "cal.yaml", "--truths", "4", "--particles", "40",
                          "--generations", "3", "-o", "cut.h5", "-q", "-t", "2"], cwd=tiny,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60 and p.poll() is None:
        if list(tiny.glob("cut.h5.ckpt-2")):     # truths 0 and 1 are done
            break
        time.sleep(0.005)
    assert p.poll() is None, "the SBC ended before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not (tiny / "cut.h5").exists()
    r = sbc(exe, tiny, "cut.h5", "-t", "1")
    assert r.returncode == 0, r.stderr
    assert (tiny / "cut.h5").read_bytes() == (tiny / "whole.h5").read_bytes()
    assert not list(tiny.glob("cut.h5.ckpt*"))


@pytest.mark.parametrize("args, want", [
    (["--truths", "0"], "--truths: '0' is not a whole number from 1 to 100000"),
    (["--particles", "x"], "--particles: 'x' is not a whole number from 2 to 1000000"),
])
def test_sbc_bad_options_exit_2(neobay, tiny, args, want):
    r = sh([neobay, "calibrate", "sbc", "cal.yaml", *args], tiny)
    assert r.returncode == 2 and want in r.stderr, r.stderr


def test_committed_sbc_matches_the_readme(root):
    """calibration/gnb-2024-sbc.h5 (issue 11; a build product, made by the command in
    calibration/README.md): at least 50 truths, and README's SBC table gives its numbers."""
    path = root / "calibration" / "gnb-2024-sbc.h5"
    if not path.exists():
        pytest.skip("no SBC file built (calibration/README.md gives the command)")
    ds = xr.open_dataset(path, engine="h5netcdf")
    assert ds.sizes["truth"] >= 50 and ds.attrs["truths_ran"] >= 50
    readme = (root / "calibration" / "README.md").read_text()
    for name in ds["parameter"].values:
        k = str(name)
        cov = float(ds.coverage.sel(parameter=k))
        p = float(ds.rank_uniformity_p.sel(parameter=k))
        w = float(ds.mean_width_ratio.sel(parameter=k))
        row = f"| `{k}` | {100 * cov:.0f}% | {p:.3f} | {w:.2f} |"
        assert row in readme, row
    ds.close()
