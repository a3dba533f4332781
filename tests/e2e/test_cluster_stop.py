"""Cluster templates and build checks (issue 13, item 8): the array and MPI templates
ask Slurm for a warning signal and a requeue, and their handler stops neobay at a
point boundary so the sweep resumes from its journal to the same bytes; a
nonexistent *_DIR given to make is an error.

The handler is exercised without Slurm: the array template runs under plain bash
with the variables Slurm would set, and USR1 is sent to it as Slurm's
`--signal=B:USR1@120` would (no scontrol here, so it exits 75 instead of requeueing)."""
import os
import signal
import subprocess
import time

import pytest

TEMPLATES = ["cluster/sweep-array.sbatch", "cluster/sweep-mpi.sbatch"]


@pytest.mark.parametrize("t", TEMPLATES)
def test_templates_ask_for_signal_and_requeue(root, t):
    text = (root / t).read_text()
    assert "#SBATCH --signal=B:USR1@120" in text and "#SBATCH --requeue" in text
    assert "trap nb_stop_at_point USR1" in text


@pytest.mark.parametrize("var", ["FYAML_DIR", "HDF5_DIR", "GSL_DIR", "MPI_DIR"])
def test_missing_dir_is_an_error(root, var, tmp_path):
    r = subprocess.run(["make", "-n", f"{var}={tmp_path}/nowhere", f"BUILD={tmp_path}/b"],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode != 0
    assert f"{var}={tmp_path}/nowhere: no directory" in r.stderr, r.stderr


def sweep_file(root, tmp_path):
    p = tmp_path / "sw.yaml"
    p.write_text(f"""base: {root / 'scenarios' / 'sweeps' / 'base-short.yaml'}
design: lhs
points: 60
replicates: 6
seed: 7
outputs:
  metrics: [firms]
  years: [2026]
factors:
  policy.guidance_fund: {{min: 0, max: 1亿}}
  stage.graduate_rate: {{scale: [0.5, 1.5]}}
""")
    return p


def test_usr1_stops_at_a_point_and_the_rerun_resumes(neobay, root, tmp_path):
    sw = sweep_file(root, tmp_path)
    out = tmp_path / "out"
    env = dict(os.environ, NEOBAY=neobay, SLURM_ARRAY_TASK_ID="0", SLURM_CPUS_PER_TASK="1")
    env.pop("SLURM_JOB_ID", None)
    args = ["bash", str(root / "cluster" / "sweep-array.sbatch"), str(sw), str(out), "1"]
    p = subprocess.Popen(args, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    journal = out / "out.shard0.h5.journal"
    t0 = time.time()
    while time.time() - t0 < 60 and not (journal.exists() and journal.stat().st_size > 4096):
        time.sleep(0.05)
    assert journal.exists(), "no journal appeared"
    p.send_signal(signal.SIGUSR1)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 75, err
    assert "stopped at a point boundary" in err
    assert not (out / "out.shard0.h5").exists()
    size = journal.stat().st_size
    r = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "resuming from" in r.stderr
    done = int(r.stderr.split("resuming from")[1].split(":")[1].split()[0])
    assert 1 <= done < 60 and size > 0
    ref = tmp_path / "ref.h5"
    r = subprocess.run([neobay, "sweep", str(sw), "--shard", "0/1", "-t", "1", "-q", "-o", str(ref)],
                       cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (out / "out.shard0.h5").read_bytes() == ref.read_bytes()
