"""cluster/submit-sweep.sh without Slurm (issue 13, item 8): a stub `sbatch` on PATH
records what would be submitted.  The script refuses in one line, submitting
nothing, when the neobay binary is missing, and sends job logs to OUTDIR/logs/."""
import os
import subprocess

import pytest

from conftest import ROOT

SCRIPT = ROOT / "cluster" / "submit-sweep.sh"
STUB = """#!/bin/sh
echo "$@" >> "$SBATCH_CALLS"
echo "NEOBAY=$NEOBAY" >> "$SBATCH_CALLS"
echo "10$(grep -c . "$SBATCH_CALLS");cluster"      # job ids 102, 104
"""


@pytest.fixture
def stub(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    sbatch = bindir / "sbatch"
    sbatch.write_text(STUB)
    sbatch.chmod(0o755)
    calls = tmp_path / "calls.txt"
    env = dict(os.environ, PATH=f"{bindir}:/usr/bin:/bin", SBATCH_CALLS=str(calls))
    env.pop("NEOBAY", None)
    env.pop("LOGDIR", None)
    return env, calls


def submit(env, outdir, *extra):
    return subprocess.run([str(SCRIPT), "scenarios/sweeps/policy.yaml", "4", str(outdir), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("neobay", [None, "/nonexistent/neobay", "README.md"])
def test_refuses_without_a_binary(stub, tmp_path, neobay):
    env, calls = stub
    if neobay:
        env["NEOBAY"] = neobay
    r = submit(env, tmp_path / "out")
    assert r.returncode == 2
    assert r.stdout == ""
    err = r.stderr.strip()
    assert "\n" not in err and "neobay" in err and "NEOBAY=" in err, err
    assert not calls.exists(), "sbatch was called"
    assert not (tmp_path / "out").exists()


def test_logs_go_to_outdir_logs(stub, tmp_path, neobay):
    env, calls = stub
    env["NEOBAY"] = os.path.relpath(neobay, ROOT)        # relative: passed on absolute
    out = tmp_path / "out"
    r = submit(env, out, "-c", "4")
    assert r.returncode == 0, r.stderr
    assert (out / "logs").is_dir()
    lines = calls.read_text().splitlines()
    array, array_env, merge, merge_env = lines
    assert f"--output={out}/logs/neobay-sweep-%A_%a.out" in array
    assert "-c 4" in array and array.endswith(f"sweep-array.sbatch scenarios/sweeps/policy.yaml {out} 4")
    assert "--dependency=afterok:102" in merge
    assert f"--output={out}/logs/neobay-merge-%j.out" in merge
    assert array_env == merge_env == f"NEOBAY={neobay}"
    assert "array job 102 (4 tasks), merge job 104" in r.stdout
    assert f"logs in {out}/logs" in r.stdout
