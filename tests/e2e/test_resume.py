"""Long runs survive being killed: rerunning the same command resumes from
OUT.h5.ckpt and writes the same file, byte for byte, as an uninterrupted run.  A
checkpoint of another run is refused (exit 2) unless --restart is given."""
import re
import shutil
import signal
import subprocess
import time

import h5py

N_REP = 300
HDR_LEN = 16                      # magic + run hash (io/checkpoint.h)


def run_cmd(neobay, out, *extra, reps=N_REP):
    return [neobay, "run", "scenarios/baseline.yaml", "-o", str(out),
            "--replicates", str(reps), "--threads", "1", "-q", *extra]


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


def record_len(h5path):
    """Bytes in one checkpoint record: rep, every metric's row, checksum."""
    with h5py.File(h5path, "r") as f:
        n_time = f["time"].shape[0]
        n_rep = f["replicate"].shape[0]
        n_metrics = sum(1 for v in f.values()
                        if isinstance(v, h5py.Dataset) and v.shape == (n_rep, n_time))
    return 4 + 8 * n_metrics * n_time + 8


def kill_when(p, ckpt, lo, hi, timeout=60):
    """SIGKILL p once ckpt holds between lo and hi bytes."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        assert p.poll() is None, "the run ended before it could be killed"
        if ckpt.exists() and lo <= ckpt.stat().st_size < hi:
            p.send_signal(signal.SIGKILL)
            p.wait()
            return
        time.sleep(0.01)
    p.kill()
    raise AssertionError("the checkpoint never grew")


def private_copy(neobay, tmp_path):
    """The binary, copied: every run of a test uses the same build even if
    build/neobay is rebuilt meanwhile (a rebuilt neobay refuses the checkpoint)."""
    return shutil.copy(neobay, tmp_path / "neobay")


def test_killed_run_resumes_byte_identical(neobay, root, tmp_path):
    neobay = private_copy(neobay, tmp_path)
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    ckpt = tmp_path / "b.h5.ckpt"
    r = sh(run_cmd(neobay, a), root)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "a.h5.ckpt").exists()
    rec = record_len(a)

    p = subprocess.Popen(run_cmd(neobay, b), cwd=root,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(p, ckpt, HDR_LEN + 2 * rec, HDR_LEN + (N_REP - 10) * rec)
    assert not b.exists()
    assert ckpt.exists()

    r = sh(run_cmd(neobay, b), root)
    assert r.returncode == 0, r.stderr
    m = re.search(r"resuming from (\S+): (\d+) of (\d+) replicates already done", r.stderr)
    assert m, r.stderr
    assert m.group(1) == str(ckpt) and m.group(3) == str(N_REP)
    assert 0 < int(m.group(2)) < N_REP
    assert b.read_bytes() == a.read_bytes()
    assert not ckpt.exists()


def leave_checkpoint(neobay, root, out, *extra):
    """Start a run and kill it once its checkpoint holds a record or more."""
    p = subprocess.Popen(run_cmd(neobay, out, *extra), cwd=root,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(p, out.parent / (out.name + ".ckpt"), HDR_LEN + 1, 1 << 40)


def test_checkpoint_of_other_run_refused_then_restart(neobay, root, tmp_path):
    neobay = private_copy(neobay, tmp_path)
    out = tmp_path / "c.h5"
    ckpt = tmp_path / "c.h5.ckpt"
    leave_checkpoint(neobay, root, out, "--seed", "1")
    before = ckpt.read_bytes()

    r = sh(run_cmd(neobay, out, "--seed", "2", reps=3), root)
    assert r.returncode == 2
    assert f"{ckpt}: checkpoint of a different run (" in r.stderr
    assert "delete it or choose another -o" in r.stderr
    assert not out.exists()
    assert ckpt.read_bytes() == before, "the checkpoint was touched"

    r = sh(run_cmd(neobay, out, "--seed", "2", "--restart", reps=3), root)
    assert r.returncode == 0, r.stderr
    assert "resuming" not in r.stderr
    assert out.exists() and not ckpt.exists()


def test_not_a_checkpoint_refused(neobay, root, tmp_path):
    out = tmp_path / "d.h5"
    ckpt = tmp_path / "d.h5.ckpt"
    ckpt.write_text("my notes, not a checkpoint\n")
    r = sh(run_cmd(neobay, out, reps=2), root)
    assert r.returncode == 2
    assert f"{ckpt}: checkpoint of a different run (not a neobay checkpoint)" in r.stderr
    assert ckpt.read_text() == "my notes, not a checkpoint\n"
    assert not out.exists()


def test_help_documents_restart(neobay, root):
    r = sh([neobay, "run", "--help"], root)
    assert r.returncode == 0
    assert "--restart" in r.stdout and ".ckpt" in r.stdout
