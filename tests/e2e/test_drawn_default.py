"""`neobay run` draws parameters by default (issue 11, acceptance): each replicate
draws the calibrated parameters from the shipped posterior calibration/gnb-2024.h5
and the effect sizes from their evidence priors.  Replicate r's draws depend on the
seed, r and the parameter only, so two scenarios run with the same seed share them
and `compare` stays paired; --fixed-parameters gives the earlier results (the digests
of test_identical.py, recorded before this default, are made with it)."""
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from conftest import ROOT

SHORT = ["--replicates", "4", "--set", "run.end=2026-12", "-q", "-t", "2"]
DRAWN = "stochastic + calibration posterior + effect priors"


def run(neobay, scenario, out, *extra, cwd=ROOT):
    r = subprocess.run([neobay, "run", str(scenario), "-o", str(out), *SHORT, *extra],
                       capture_output=True, text=True, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r


def draws(path):
    """(posterior draws by name, effect draws by name, particles, uncertainty)."""
    with h5py.File(path, "r") as f:
        post = {x.decode(): f["posterior_draw"][:, j] for j, x in enumerate(f["parameter"][:])}
        eff = {x.decode(): f["effect_draw"][:, j] for j, x in enumerate(f["effect_parameter"][:])}
        return post, eff, f["posterior_particle"][:], f.attrs["uncertainty"]


@pytest.fixture(scope="module")
def pair(neobay, tmp_path_factory):
    d = tmp_path_factory.mktemp("drawn")
    base, pol = d / "baseline.h5", d / "policy-2024.h5"
    r = run(neobay, "scenarios/baseline.yaml", base)
    assert "no calibration posterior" not in r.stderr, r.stderr
    run(neobay, "scenarios/policy-2024.yaml", pol)
    return d, base, pol


def test_shipped_posterior_is_committed():
    """A clean clone has it: run's default must not depend on a build product."""
    assert (ROOT / "calibration" / "gnb-2024.h5").is_file()
    r = subprocess.run(["git", "ls-files", "calibration/gnb-2024.h5"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("not a git checkout")
    assert r.stdout.split() == ["calibration/gnb-2024.h5"]


def test_replicates_draw_different_parameters(pair):
    _, base, _ = pair
    post, eff, particle, unc = draws(base)
    assert unc == DRAWN
    assert "entry.other_rate" in post and "origin.firms" not in post     # nuisance: not drawn
    assert len(post) >= 20 and len(eff) >= 50
    assert len(set(post["entry.other_rate"])) > 1, post["entry.other_rate"]
    assert len(set(eff["grant.round_mult"])) > 1, eff["grant.round_mult"]
    assert len(set(particle)) > 1
    # calibrated parameters come from the posterior, not from a prior as well
    assert not set(post) & set(eff)
    # policy levers are never drawn (policy.guidance_leverage is an effect size)
    assert not [n for n in set(post) | set(eff)
                if n.startswith("policy.") and n != "policy.guidance_leverage"]
    with h5py.File(base, "r") as f:
        assert f["posterior_draw"].dims[0][0].name == "/replicate"
        assert "gnb-2024.h5" in f["posterior_draw"].attrs["posterior_file"]


def test_same_draws_in_two_scenarios(pair):
    """Common random numbers: the baseline and policy-2024 replicates draw the same
    values of every parameter both draw (policy-2024 sets guidance_leverage itself:
    an explicit value wins, so that one is not drawn there)."""
    _, base, pol = pair
    pb, eb, kb, _ = draws(base)
    pp, ep, kp, up = draws(pol)
    assert up == DRAWN
    assert np.array_equal(kb, kp)
    assert set(pb) == set(pp)
    for name in pb:
        assert np.array_equal(pb[name], pp[name]), name
    assert set(eb) - set(ep) == {"policy.guidance_leverage"}
    for name in ep:
        assert np.array_equal(eb[name], ep[name]), name


def test_compare_pairs_the_drawn_runs(neobay, pair):
    d, base, pol = pair
    r = subprocess.run([neobay, "compare", str(base), str(pol)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"uncertainty: {DRAWN}" in r.stdout
    assert "cost_per_listing" in r.stdout or "per additional listing" in r.stdout


def test_compare_refuses_fixed_against_drawn(neobay, pair, tmp_path):
    _, base, _ = pair
    fixed = tmp_path / "policy-fixed.h5"
    run(neobay, "scenarios/policy-2024.yaml", fixed, "--fixed-parameters")
    r = subprocess.run([neobay, "compare", str(base), str(fixed)], capture_output=True, text=True)
    assert r.returncode == 2, r.stdout
    err = r.stderr.strip()
    assert "\n" not in err and "--fixed-parameters" in err and "cannot be paired" in err, err


def test_fixed_parameters_draw_nothing(neobay, pair, tmp_path):
    _, base, _ = pair
    fixed = tmp_path / "fixed.h5"
    r = run(neobay, "scenarios/baseline.yaml", fixed, "--fixed-parameters")
    assert "drawn" not in r.stderr
    with h5py.File(fixed, "r") as f, h5py.File(base, "r") as g:
        assert f.attrs["uncertainty"] == "stochastic only (fixed parameters)"
        assert "posterior_draw" not in f and "effect_draw" not in f
        assert not np.array_equal(f["firms"][:], g["firms"][:])
        assert f.attrs["settings_hash"] != g.attrs["settings_hash"]
    r = subprocess.run([neobay, "run", "scenarios/baseline.yaml", "--fixed-parameters",
                        "--effect-priors", "-o", str(tmp_path / "x.h5")], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--fixed-parameters" in r.stderr


def test_explicit_settings_win(neobay, pair, tmp_path):
    _, base, _ = pair
    out = tmp_path / "set.h5"
    run(neobay, "scenarios/baseline.yaml", out, "--set", "entry.other_rate=3",
        "--set", "grant.round_mult=1.5")
    post, eff, particle, _ = draws(out)
    pb, eb, kb, _ = draws(base)
    assert "entry.other_rate" not in post and "grant.round_mult" not in eff
    assert np.array_equal(particle, kb)
    for name in post:
        assert np.array_equal(post[name], pb[name]), name
    for name in eff:
        assert np.array_equal(eff[name], eb[name]), name


def test_without_a_posterior_effect_priors_only(neobay, tmp_path):
    """A binary and a scenario with no calibration/gnb-2024.h5 beside or above them:
    the run still works, drawing the effect sizes only, and says so once."""
    (tmp_path / "bin").mkdir()
    nb = tmp_path / "bin" / "neobay"
    shutil.copy2(neobay, nb)
    (tmp_path / "s.yaml").write_text("name: s\nrun:\n  end: 2025-06\n")
    r = run(str(nb), "s.yaml", "s.h5", cwd=tmp_path)
    assert r.stderr.count("no calibration posterior") == 1, r.stderr
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert f.attrs["uncertainty"] == "stochastic + effect priors"
        assert "effect_draw" in f and "posterior_draw" not in f
    # ... and the same binary finds the shipped one from a shipped scenario
    r = run(str(nb), ROOT / "scenarios" / "baseline.yaml", tmp_path / "b.h5", cwd=tmp_path)
    assert "no calibration posterior" not in r.stderr, r.stderr
