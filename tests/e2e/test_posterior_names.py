"""`run --posterior` with a posterior naming a parameter this build lacks (issue 14):
the error names the parameter cleanly (no freed memory in the message, no crash) and
the run exits 2 without writing the output.  The posterior files are built here with
h5py, so the test does not depend on the committed calibration being stale."""
import subprocess

import h5py
import numpy as np
import pytest


def write_posterior(path, names, n=4):
    """A minimal file with every dataset nb_posterior_read needs."""
    k = len(names)
    str_t = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as f:
        f["weights"] = np.full(n, 1.0 / n)
        f["particles"] = np.full((n, k), 1.0)
        f.create_dataset("parameter", data=names, dtype=str_t)
        f["nuisance"] = np.zeros(k)
        f["prior_min"] = np.zeros(k)
        f["prior_max"] = np.full(k, 2.0)
        f["observed"] = np.array([1.0])
        f["observed_lo"] = np.array([1.0])
        f["observed_hi"] = np.array([1.0])
        f.create_dataset("target", data=["t"], dtype=str_t)
        f.create_dataset("units", data=["-"], dtype=str_t)
        f.create_dataset("source_text", data=["test"], dtype=str_t)
        f["predictive"] = np.ones((n, 1, 1))
        f["tolerance"] = np.array([1.0])
        f["acceptance_rate"] = np.array([1.0])
        f.attrs["calibration_name"] = "test"


def run(neobay, root, post, out):
    return subprocess.run([neobay, "run", "scenarios/baseline.yaml", "--posterior", str(post),
                           "-r", "2", "-t", "1", "-q", "-o", str(out)],
                          cwd=root, capture_output=True, timeout=120)


@pytest.mark.parametrize("names, shown", [
    (["entry.other_rate", "init.firms"], "'init.firms'"),
    (["init.firms", "no.such", "entry.other_rate"], "'init.firms' (and 1 more)"),
    (["bad\x01name\u00e9"], "'bad\\x01name\\xc3\\xa9'"),
])
def test_unknown_parameter_named_cleanly(neobay, root, tmp_path, names, shown):
    post, out = tmp_path / "post.h5", tmp_path / "out.h5"
    write_posterior(post, names)
    r = run(neobay, root, post, out)
    err = r.stderr.decode("utf-8")        # strict: garbage bytes would fail here
    assert r.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("neobay: error: "), err
    assert f"parameter {shown} is not in this neobay's registry" in err
    assert not out.exists()


def test_duplicate_parameter_refused(neobay, root, tmp_path):
    post, out = tmp_path / "post.h5", tmp_path / "out.h5"
    write_posterior(post, ["entry.other_rate", "entry.other_rate"])
    r = run(neobay, root, post, out)
    assert r.returncode == 2
    assert b"'entry.other_rate' appears twice" in r.stderr
    assert not out.exists()
