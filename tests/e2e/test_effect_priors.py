"""`neobay run --effect-priors` (issue 11 item 3): each replicate's effect sizes are
drawn from their evidence priors, keyed by seed and replicate only, so two scenarios
share their draws (common random numbers) and thread counts give identical files.
--effect-priors alone draws these only (no posterior); the default draws both
(test_drawn_default.py); --fixed-parameters none."""
import subprocess

import h5py
import numpy as np

from conftest import ROOT

SHORT = ["--replicates", "4", "--set", "run.end=2026-12", "-q"]


def run(neobay, scenario, out, *extra):
    r = subprocess.run([neobay, "run", str(ROOT / "scenarios" / scenario), "-o", str(out),
                        *SHORT, *extra], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def draws(path):
    with h5py.File(path, "r") as f:
        names = [x.decode() for x in f["effect_parameter"][:]]
        return dict(zip(names, f["effect_draw"][:].T)), f.attrs["uncertainty"]


def test_draws_recorded_and_shared(neobay, tmp_path):
    base = run(neobay, "baseline.yaml", tmp_path / "b.h5", "--effect-priors")
    pol = run(neobay, "policy-2024.yaml", tmp_path / "p.h5", "--effect-priors")
    db, ub = draws(base)
    dp, _ = draws(pol)
    assert "effect priors" in str(ub)
    assert "grant.round_mult" in db and len(db) >= 30
    g = db["grant.round_mult"]
    assert len(set(g)) == 4 and all(0.1 <= x <= 10 for x in g)
    for name in set(db) & set(dp):            # common random numbers across scenarios
        assert np.array_equal(db[name], dp[name]), name
    with h5py.File(tmp_path / "b.h5", "r") as f:
        assert f["effect_draw"].dims[0][0].name == "/replicate"


def test_fixed_parameters_and_thread_independent(neobay, tmp_path):
    plain = run(neobay, "baseline.yaml", tmp_path / "f.h5", "--fixed-parameters")
    with h5py.File(plain, "r") as f:
        assert "effect_draw" not in f and "fixed" in str(f.attrs["uncertainty"])
    one = run(neobay, "baseline.yaml", tmp_path / "t1.h5", "--effect-priors", "--threads", "1")
    two = run(neobay, "baseline.yaml", tmp_path / "t2.h5", "--effect-priors", "--threads", "2")
    assert one.read_bytes() == two.read_bytes()
    assert one.read_bytes() != plain.read_bytes()


def test_with_posterior(neobay, tmp_path):
    """--posterior and --effect-priors together: each draw is the one the option alone
    gives (separate streams keyed by seed and replicate), both are stored, and the
    parameters the posterior draws are not overwritten by a prior."""
    import test_calibrate as tc
    (tmp_path / "base.yaml").write_text(tc.BASE)
    (tmp_path / "targets.yaml").write_text(tc.TARGETS)
    (tmp_path / "cal.yaml").write_text(tc.CAL.replace("{particles}", "40").replace("{generations}", "2"))
    r = subprocess.run([neobay, "calibrate", "cal.yaml", "-q", "-o", "post.h5"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    post = str(tmp_path / "post.h5")
    both = run(neobay, "baseline.yaml", tmp_path / "both.h5", "--posterior", post, "--effect-priors")
    p_only = run(neobay, "baseline.yaml", tmp_path / "p.h5", "--posterior", post)
    e_only = run(neobay, "baseline.yaml", tmp_path / "e.h5", "--effect-priors")
    with h5py.File(both, "r") as b, h5py.File(p_only, "r") as p, h5py.File(e_only, "r") as e:
        assert b.attrs["uncertainty"] == "stochastic + calibration posterior + effect priors"
        assert np.array_equal(b["posterior_draw"][:], p["posterior_draw"][:])
        assert np.array_equal(b["effect_draw"][:], e["effect_draw"][:])
        drawn = {x.decode() for x in b["parameter"][:]}
        assert drawn == {"entry.other_rate", "hightech.rate"}
        assert not drawn & {x.decode() for x in b["effect_parameter"][:]}
        assert not np.array_equal(b["firms"][:], p["firms"][:])
        assert not np.array_equal(b["firms"][:], e["firms"][:])
    # ... and with micro-data: both draws and the panel in one file.
    bp = run(neobay, "baseline.yaml", tmp_path / "bp.h5", "--posterior", post, "--effect-priors",
             "--panel", "yearly")
    with h5py.File(bp, "r") as f, h5py.File(both, "r") as b:
        assert "panel" in f and np.array_equal(f["effect_draw"][:], b["effect_draw"][:])
        assert np.array_equal(f["firms"][:], b["firms"][:])


def test_with_panel(neobay, tmp_path):
    """--panel with --effect-priors reruns each panel replicate with the parameters
    that replicate drew (nb_panel_collect_each checks every rerun against the
    ensemble bit for bit, so exit 0 means the micro-data are the stored replicates)."""
    ep = run(neobay, "baseline.yaml", tmp_path / "ep.h5", "--effect-priors", "--panel", "yearly",
             "--panel-replicates", "2")
    plain = run(neobay, "baseline.yaml", tmp_path / "pl.h5", "--panel", "yearly", "--panel-replicates", "2",
                "--fixed-parameters")
    with h5py.File(ep, "r") as f, h5py.File(plain, "r") as g:
        assert "effect_draw" in f and "panel" in f
        assert set(f["panel/replicate"][:]) == {0, 1}
        assert not np.array_equal(f["panel/revenue"][:], g["panel/revenue"][:])
