"""`neobay uncertainty` (issue 11 item 4): the variance of a policy's impact split
into stochastic, evidence (effect-size priors) and parameter (posterior) parts by a
crossed random-effects design; the shares add to 100%; without a posterior the
parameter and interaction parts are 0; bad options exit 2.  Short horizon (2025-12)."""
import re
import subprocess

import numpy as np
import pytest
import xarray as xr

import test_calibrate as tc


def sh(args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)


POLICY = "name: policy-short\nextends: {root}/scenarios/policy-2024.yaml\nrun: {{end: 2025-12}}\n"
BASE = "name: base-short\nextends: {root}/scenarios/baseline.yaml\nrun: {{end: 2025-12}}\n"
ROW = re.compile(r"^(\w+)\s+(-?[\d.e+-]+)\s+([\d.e+-]+)\s+([\d.]+)%\s+([\d.]+)%\s+([\d.]+)%\s+([\d.]+)%$")


@pytest.fixture
def arms(root, tmp_path):
    (tmp_path / "pol.yaml").write_text(POLICY.format(root=root))
    (tmp_path / "base.yaml").write_text(BASE.format(root=root))
    return tmp_path


def rows(text):
    out = {}
    for line in text.splitlines():
        m = ROW.match(line.strip())
        if m:
            out[m.group(1)] = [float(x) for x in m.groups()[1:]]
    return out


def run(neobay, d, *extra):
    return sh([neobay, "uncertainty", "pol.yaml", "--base", "base.yaml", "--year", "2025",
               "--allow-extends-outside", *extra], d)


def test_effect_priors_only(neobay, arms):
    r = run(neobay, arms, "--draws", "6", "--per-draw", "3", "-t", "2", "-o", "dec.h5")
    assert r.returncode == 0, r.stderr
    got = rows(r.stdout)
    assert set(got) == {"firms", "firms_backbone", "unicorns", "listed", "hightech"}, r.stdout
    mean, sd, stoch, evid, par, inter = got["firms"]
    assert mean > 0 and sd > 0
    assert par == 0 and inter == 0
    assert abs(stoch + evid - 100) <= 0.15            # rounded to 0.1% each
    assert "no posterior" in r.stdout
    ds = xr.open_dataset(arms / "dec.h5", engine="h5netcdf")
    assert dict(ds.sizes) == {"outcome": 5, "source": 4}
    assert ds.variance.dims == ("outcome", "source")
    np.testing.assert_allclose(ds.variance.sum("source"), ds.total_variance, rtol=1e-12)
    assert float(ds.variance.sel(outcome="firms", source="parameter")) == 0
    assert ds.attrs["effect_draws"] == 6 and ds.attrs["parameter_draws"] == 1
    # the components estimate the impacts' plain variance (6 x 3 impacts: loosely)
    tot, plain = float(ds.total_variance.sel(outcome="firms")), float(ds.plain_variance.sel(outcome="firms"))
    assert 0.5 < tot / plain < 1.5
    ds.close()


def test_with_a_posterior(neobay, arms):
    (arms / "base-tiny.yaml").write_text(tc.BASE)
    (arms / "targets.yaml").write_text(tc.TARGETS)
    (arms / "cal.yaml").write_text(tc.CAL.replace("scenario: base.yaml", "scenario: base-tiny.yaml")
                                   .replace("{particles}", "40").replace("{generations}", "2"))
    c = sh([neobay, "calibrate", "cal.yaml", "-o", "post.h5", "-q"], arms)
    assert c.returncode == 0, c.stderr
    r = run(neobay, arms, "--posterior", "post.h5", "--draws", "4", "--per-draw", "2", "-t", "2")
    assert r.returncode == 0, r.stderr
    got = rows(r.stdout)
    for name, (mean, sd, stoch, evid, par, inter) in got.items():
        assert abs(stoch + evid + par + inter - 100) <= 0.25, (name, r.stdout)
    assert "4 parameter draws x 4 effect-size draws x 2 replicates (32 paired runs)" in r.stdout
    # hightech.rate is drawn from the posterior: it moves the high-tech impact
    assert got["hightech"][4] > 0, r.stdout


@pytest.mark.parametrize("args, want", [
    (["--draws", "1"], "--draws: '1' is not a whole number from 2 to 100000"),
    (["--per-draw", "x"], "--per-draw: 'x' is not a whole number from 2 to 100000"),
    (["--year", "2040"], "December 2040 is not inside the run"),
])
def test_bad_options_exit_2(neobay, arms, args, want):
    r = run(neobay, arms, *args)
    assert r.returncode == 2 and want in r.stderr, r.stderr


def test_same_numbers_for_any_thread_count(neobay, arms):
    a = run(neobay, arms, "--draws", "3", "--per-draw", "2", "-t", "1")
    b = run(neobay, arms, "--draws", "3", "--per-draw", "2", "-t", "2")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert a.stdout == b.stdout
