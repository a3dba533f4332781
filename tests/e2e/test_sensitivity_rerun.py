"""Issue 14: `neobay sensitivity` twice on a sweep file gave different bytes (HDF5
leaves a deleted group's space behind, so replacing /sensitivity grew the file).
Now the group carries a digest of its contents and the same command again leaves
the file as it is; a different command (other resamples) still rewrites it; two
copies of one sweep analysed alike are byte-identical."""
import pathlib
import shutil
import subprocess

import h5py
import pytest

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "sweeps"


def sh(args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def sweep(neobay, root, tmp_path_factory):
    out = tmp_path_factory.mktemp("rerun") / "s.h5"
    r = sh([neobay, "sweep", DATA / "tiny-morris.yaml", "-o", out, "-q", "--allow-extends-outside"], root)
    assert r.returncode == 0, r.stderr
    return out


def test_sensitivity_twice_same_bytes(neobay, sweep, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    shutil.copy(sweep, a)
    shutil.copy(sweep, b)
    assert sh([neobay, "sensitivity", a, "-b", "50"]).returncode == 0
    first = a.read_bytes()
    r = sh([neobay, "sensitivity", a, "-b", "50"])
    assert r.returncode == 0, r.stderr
    assert a.read_bytes() == first                       # the rerun: the same bytes
    assert sh([neobay, "sensitivity", b, "-b", "50"]).returncode == 0
    assert b.read_bytes() == first                       # another copy: the same bytes
    with h5py.File(a, "r") as f:
        d = f["sensitivity"].attrs["content_digest"]
        assert (d.decode() if isinstance(d, bytes) else d).startswith("fnv1a:")


def test_sensitivity_other_options_rewrite(neobay, sweep, tmp_path):
    a = tmp_path / "a.h5"
    shutil.copy(sweep, a)
    assert sh([neobay, "sensitivity", a, "-b", "50"]).returncode == 0
    with h5py.File(a, "r") as f:
        d50 = f["sensitivity"].attrs["content_digest"]
        assert f["sensitivity"].attrs["bootstrap_resamples"] == 50
    assert sh([neobay, "sensitivity", a, "-b", "60"]).returncode == 0
    with h5py.File(a, "r") as f:
        assert f["sensitivity"].attrs["bootstrap_resamples"] == 60
        assert f["sensitivity"].attrs["content_digest"] != d50


# ---- a replaced `factor` scale is blamed, not design_unit (issue 14) -----------------

def replace_factor(path, as_scale):
    with h5py.File(path, "r+") as f:
        names = f["factor"][()]
        if as_scale:
            f["design_unit"].dims[1].detach_scale(f["factor"])
        del f["factor"]
        f.create_dataset("factor", data=names)
        if as_scale:
            f["factor"].make_scale("factor")


@pytest.mark.parametrize("as_scale, words", [
    (False, "dataset 'factor' is not a dimension scale: it was replaced"),
    (True, "dataset 'factor' is not the 'factor' axis of 'design_unit': it was replaced"),
])
def test_replaced_factor_scale_blamed(neobay, sweep, tmp_path, as_scale, words):
    a = tmp_path / "a.h5"
    shutil.copy(sweep, a)
    replace_factor(a, as_scale)
    before = a.read_bytes()
    r = sh([neobay, "sensitivity", a, "-b", "10"])
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert words in r.stderr and "cannot read dataset 'design_unit'" not in r.stderr, r.stderr
    assert a.read_bytes() == before
