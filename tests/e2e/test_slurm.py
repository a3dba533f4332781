"""The shipped Slurm templates on a real single-node Slurm cluster (Debian's munge,
slurmctld and slurmd, started here by cluster/local-slurm.sh under a temporary
directory and always stopped afterwards).

A small sweep runs as a 3-task job array (cluster/sweep-array.sbatch), the merge
(cluster/sweep-merge.sbatch) runs after it with --dependency=afterok, and the merged
file must be byte-identical to a single-process `neobay sweep` of the same file.  The
MPI template (srun --mpi=pmix, and mpirun inside sbatch) must give the same bytes too,
and rerunning one task of the array alone (the documented way to resume a failed
task) must rebuild its shard.  Every check reads the jobs' output files: a job can be
reported COMPLETED without having run (platform.md).

Nothing is installed here: tools/deps.sh installs slurm-wlm and munge.  When the
cluster cannot be started on this machine (not root, packages missing, a daemon that
will not come up), the tests are skipped and the reason is printed."""
import os
import pathlib
import shutil
import socket
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "cluster"
HARNESS = CLUSTER / "local-slurm.sh"
SHARDS = 3
JOB_TIMEOUT = 300            # seconds for one `sbatch --wait`


def sweep_file():
    """The engine's small example sweep, else our own tiny one."""
    small = ROOT / "scenarios" / "sweeps" / "small.yaml"
    return small if small.exists() else ROOT / "tests" / "data" / "sweeps" / "tiny-saltelli.yaml"


def why_no_slurm():
    if os.geteuid() != 0:
        return "not root: the test cluster runs slurmctld and slurmd as root"
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = [p for p in ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "sinfo",
                           "squeue", "scancel") if not shutil.which(p, path=path)]
    if missing:
        return ("Slurm/munge not installed (missing %s): tools/deps.sh installs slurm-wlm "
                "and munge" % ", ".join(missing))
    return None


def free_port_pair():
    """Two consecutive free TCP ports (slurmctld, slurmd), away from the defaults so
    a site cluster or another test cluster on this machine is not disturbed."""
    for port in range(17817, 18817, 2):
        try:
            for p in (port, port + 1):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
    return 6817


def skip(reason):
    print(f"\nSKIPPED test_slurm: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, neobay):
    """A running private cluster: the environment to submit with.  The daemons are
    stopped by their pid files when the module ends, whatever happened."""
    reason = why_no_slurm()
    if reason:
        skip(reason)
    d = tmp_path_factory.mktemp("slurm")
    env = dict(os.environ, SLURM_CONF=str(d / "slurm.conf"), NEOBAY=neobay,
               NB_SLURM_PORT=str(free_port_pair()),
               PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin",
               # mpirun inside the MPI template runs as root here.
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    try:
        r = subprocess.run([str(HARNESS), "start", str(d)], env=env, capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            lines = [l for l in r.stderr.splitlines() if "error" in l] or r.stderr.splitlines()
            skip("the local Slurm cluster could not be started on this machine: "
                 + (lines[0] if lines else f"exit {r.returncode}")
                 + f" (daemon logs under {d})")
        yield {"env": env, "dir": d}
    finally:
        subprocess.run([str(HARNESS), "stop", str(d)], env=env, capture_output=True,
                       timeout=60)


def sbatch(cl, args, cwd):
    """`sbatch --wait --parsable ARGS`: the job id, after the job (every task of an
    array) has ended.  Fails with the queue's view when it does not end in time."""
    cmd = ["sbatch", "--wait", "--parsable"] + args
    try:
        r = subprocess.run(cmd, env=cl["env"], cwd=cwd, capture_output=True, text=True,
                           timeout=JOB_TIMEOUT)
    except subprocess.TimeoutExpired:
        q = subprocess.run(["squeue", "-o", "%i %T %r"], env=cl["env"], capture_output=True,
                           text=True)
        subprocess.run(["scancel", "--user=root"], env=cl["env"], capture_output=True)
        pytest.fail(f"{' '.join(cmd)} did not finish in {JOB_TIMEOUT} s; queue:\n{q.stdout}")
    return r


def logs(path):
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}"
                     for p in sorted(pathlib.Path(path).glob("*.out")))


@pytest.fixture(scope="module")
def single(neobay, tmp_path_factory):
    """The sweep run by one process: the reference every cluster run must equal."""
    out = tmp_path_factory.mktemp("single") / "single.h5"
    r = subprocess.run([neobay, "sweep", str(sweep_file()), "-o", str(out), "-q", "-t", "1"],
                       cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0 and "unknown command" in r.stderr:
        pytest.skip("`neobay sweep` is not built yet")
    assert r.returncode == 0, r.stderr
    return out.read_bytes()


@pytest.fixture(scope="module")
def array_run(cluster, single, tmp_path_factory):
    """The array template on the sweep, then the merge template after it."""
    work = tmp_path_factory.mktemp("array")
    shards = work / "shards"
    merged = work / "merged.h5"
    r = sbatch(cluster, [f"--array=0-{SHARDS - 1}", "--cpus-per-task=1",
                         f"--output={work}/array-%A_%a.out",
                         str(CLUSTER / "sweep-array.sbatch"), str(sweep_file()), str(shards),
                         str(SHARDS)], cwd=ROOT)
    jobid = r.stdout.strip().split(";")[0]
    assert jobid.isdigit(), (r.stdout, r.stderr, logs(work))
    m = sbatch(cluster, [f"--dependency=afterok:{jobid}", f"--output={work}/merge-%j.out",
                         str(CLUSTER / "sweep-merge.sbatch"), str(shards), str(SHARDS),
                         str(merged)], cwd=ROOT)
    return {"work": work, "shards": shards, "merged": merged, "array": r, "merge": m}


def test_array_and_merge_give_the_single_run_file(array_run, single):
    a = array_run
    for k in range(SHARDS):
        shard = a["shards"] / f"out.shard{k}.h5"
        assert shard.exists() and shard.stat().st_size > 0, \
            f"shard {k} was not written\n{a['array'].stderr}\n{logs(a['work'])}"
        assert not (a["shards"] / f"out.shard{k}.h5.journal").exists()
    assert a["array"].returncode == 0, (a["array"].stderr, logs(a["work"]))
    log = logs(a["work"])
    for k in range(SHARDS):
        assert f"task {k} done" in log, log
    assert a["merged"].exists(), f"no merged file\n{a['merge'].stderr}\n{log}"
    assert a["merge"].returncode == 0, (a["merge"].stderr, log)
    assert f"{SHARDS} shards ->" in log
    assert a["merged"].read_bytes() == single, "merged file differs from a single run"


def test_rerunning_one_task_rebuilds_its_shard(cluster, array_run):
    """The documented way to resume a failed task: resubmit only its id, with N."""
    shard = array_run["shards"] / "out.shard1.h5"
    before = shard.read_bytes()
    shard.unlink()
    work = array_run["work"]
    r = sbatch(cluster, ["--array=1", "--cpus-per-task=1", f"--output={work}/rerun-%A_%a.out",
                         str(CLUSTER / "sweep-array.sbatch"), str(sweep_file()),
                         str(array_run["shards"]), str(SHARDS)], cwd=ROOT)
    assert shard.exists(), (r.stderr, logs(work))
    assert shard.read_bytes() == before


@pytest.mark.parametrize("launch", ["srun", "mpirun"])
def test_mpi_template_gives_the_single_run_file(cluster, single, neobay, tmp_path, launch):
    if launch == "mpirun" and not shutil.which("mpirun"):
        pytest.skip("mpirun not installed")
    out = tmp_path / f"mpi-{launch}.h5"
    cl = dict(cluster, env=dict(cluster["env"], NB_LAUNCH=launch))
    r = sbatch(cl, ["--ntasks=2", "--cpus-per-task=1", f"--output={tmp_path}/mpi-%j.out",
                    str(CLUSTER / "sweep-mpi.sbatch"), str(sweep_file()), str(out)], cwd=ROOT)
    log = logs(tmp_path)
    assert out.exists(), f"{launch}: no output\n{r.stderr}\n{log}"
    assert r.returncode == 0, (r.stderr, log)
    assert "(2 ranks x" in log, log       # neobay saw one MPI job of 2 ranks
    assert out.read_bytes() == single, f"{launch}: the MPI file differs from a single run"
