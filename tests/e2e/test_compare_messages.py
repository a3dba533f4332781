"""compare's messages (issue 13 item 6, issue 14): the extra public spending with its
unit (亿 RMB) and a word when the special fund's cap absorbed the extra money; each
cost per outcome with its own unit; a metric whose dataset has the wrong shape is
refused (exit 2, one line naming the file and the dataset), not silently dropped."""
import shutil
import subprocess

import h5py
import numpy as np
import pytest

SCEN = "scenarios/sweeps/base-short.yaml"


def sh(args, cwd):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)


def run(neobay, root, out, *sets):
    args = [neobay, "run", SCEN, "-r", "3", "-q", "-o", out]
    for s in sets:
        args += ["--set", s]
    r = sh(args, root)
    assert r.returncode == 0, r.stderr
    return out


def spend_line(stdout):
    return next(l for l in stdout.splitlines() if "extra public spending (" in l)


def test_spend_has_unit_and_cap_word(neobay, root, tmp_path):
    base = run(neobay, root, tmp_path / "b.h5", "policy.special_fund=1亿", "policy.poc_budget=2000万")
    pol = run(neobay, root, tmp_path / "p.h5", "policy.special_fund=1亿", "policy.poc_budget=5000万")
    free = run(neobay, root, tmp_path / "f.h5")
    r = sh([neobay, "compare", base, pol], root)
    assert r.returncode == 0, r.stderr
    line = spend_line(r.stdout)
    assert "0亿 RMB" in line and "e-0" not in line
    assert "cap absorbed the extra money" in line and "1亿 special fund" in line
    r = sh([neobay, "compare", free, pol], root)
    line = spend_line(r.stdout)
    assert "亿 RMB" in line and "capped: the policy run spends the whole 1亿" in line
    r = sh([neobay, "compare", free, run(neobay, root, tmp_path / "q.h5", "policy.poc_budget=2000万")],
           root)
    line = spend_line(r.stdout)
    assert "亿 RMB" in line and "cap" not in line
    cost = next(l for l in r.stdout.splitlines() if "per additional surviving firm" in l)
    assert " RMB " in cost or "n/a" in cost


def test_cost_units_in_the_impact_file(neobay, root, tmp_path):
    base = run(neobay, root, tmp_path / "b.h5")
    pol = run(neobay, root, tmp_path / "p.h5", "policy.poc_budget=2000万")
    assert sh([neobay, "compare", base, pol, "-o", tmp_path / "i.h5"], root).returncode == 0
    with h5py.File(tmp_path / "i.h5", "r") as f:
        labels = {k: f[k].attrs["units_label"].decode()
                  for k in ("cost_per_unicorn", "cost_per_listing", "cost_per_firm")}
    assert labels == {"cost_per_unicorn": "RMB per additional unicorn",
                      "cost_per_listing": "RMB per additional listing",
                      "cost_per_firm": "RMB per additional surviving firm"}


@pytest.mark.parametrize("which", ["base", "policy"])
def test_wrong_shape_refused(neobay, root, tmp_path, which):
    base = run(neobay, root, tmp_path / "b.h5")
    pol = run(neobay, root, tmp_path / "p.h5", "policy.poc_budget=2000万")
    bad = tmp_path / "bad.h5"
    shutil.copy(base if which == "base" else pol, bad)
    with h5py.File(bad, "r+") as f:
        del f["unicorns"]
        f["unicorns"] = np.zeros(7)
    args = [bad, pol] if which == "base" else [base, bad]
    r = sh([neobay, "compare", *args], root)
    assert r.returncode == 2, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "'unicorns'" in lines[0], r.stderr
    assert r.stdout == ""
