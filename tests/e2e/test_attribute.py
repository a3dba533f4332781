"""`neobay attribute` (issue 10 item 5): a policy attributed to its measures, each
alone and each removed, paired by replicate, on a short horizon.  The table prints,
the HDF5 opens in xarray with named dimensions, the tech-credit guarantees' effect on firms
is clearly positive, and bad requests exit 2 with one line."""
import subprocess

import numpy as np
import xarray as xr

BASE = """name: attr-base
run:
  end: 2027-12
  replicates: 6
"""
POLICY = BASE.replace("attr-base", "attr-policy") + """policy:
  cultivation: {2024-07-11: 1000万}
  tech_credit: {2024-07-11: 300万}
"""


def sh(neobay, *args, cwd):
    return subprocess.run([neobay, *args], cwd=cwd, capture_output=True, text=True)


def scenarios(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    return str(tmp_path / "base.yaml"), str(tmp_path / "policy.yaml")


def test_attribute_table_and_file(neobay, tmp_path):
    base, policy = scenarios(tmp_path)
    out = tmp_path / "attr.h5"
    r = sh(neobay, "attribute", policy, "--base", base, "--year", "2027", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "m8 " in r.stdout and "m13 " in r.stdout and "full policy" in r.stdout
    ds = xr.open_dataset(out, engine="h5netcdf", phony_dims="access")
    assert ds["effect"].dims == ("arm", "measure", "outcome")
    assert list(ds["measure"].values) == [8, 13]
    assert [str(x) for x in ds["arm"].values] == ["alone", "removed"]
    g = ds["effect"].sel(arm="alone", measure=13, outcome="firms")
    lo = ds["effect_lo"].sel(arm="alone", measure=13, outcome="firms")
    hi = ds["effect_hi"].sel(arm="alone", measure=13, outcome="firms")
    assert float(lo) > 0 and float(lo) <= float(g) <= float(hi)
    assert ds["spend"].sel(arm="alone", measure=8) > 0
    cost = ds["cost"].sel(arm="alone", measure=13, outcome="firms")
    assert np.isfinite(float(cost)) and float(cost) > 0
    clo = float(ds["cost_lo"].sel(arm="alone", measure=13, outcome="firms"))
    chi = float(ds["cost_hi"].sel(arm="alone", measure=13, outcome="firms"))
    assert clo <= float(cost) <= chi          # Fieller's interval around the ratio of means
    assert ds["cost_lo"].attrs["units"] == ds["cost"].attrs["units"]
    assert ds.attrs["year"] == 2027 and ds.attrs["replicates"] == 6


def test_attribute_refuses(neobay, tmp_path):
    base, policy = scenarios(tmp_path)
    r = sh(neobay, "attribute", base, "--base", base, cwd=tmp_path)
    assert r.returncode == 2 and "sets no measure" in r.stderr
    r = sh(neobay, "attribute", policy, "--base", base, "--year", "2035", cwd=tmp_path)
    assert r.returncode == 2 and "not inside the run" in r.stderr
    before = open(policy, "rb").read()
    r = sh(neobay, "attribute", policy, "--base", base, "--year", "2027", "-o", policy, cwd=tmp_path)
    assert r.returncode == 2 and open(policy, "rb").read() == before
    assert len(r.stderr.strip().splitlines()) == 1
