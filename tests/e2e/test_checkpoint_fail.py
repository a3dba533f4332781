"""Issue 14 (fd6479a): a run whose checkpoint write fails, or a sweep whose journal
write fails, warns once and appends no more, but keeps the file open, so that the
results file written afterwards still deletes it.  Before fd6479a the failed
checkpoint (journal) was closed and forgotten and stayed on the disk for ever.

The write is made to fail with RLIMIT_FSIZE (writes past the limit fail with EFBIG;
SIGXFSZ ignored), set so that the checkpoint outgrows it and the results file does
not: a long spin-up (origin 2015-01, reported 2023-02 .. 2023-03) makes every
checkpoint record carry ~100 months while the results file keeps two; the sweep's
journal is not compressed and its results file is.  Measured on 4ee0e1f: the run's
checkpoint would reach ~4.1 MB and its results file is ~1.6 MB (limit 2.5 MB); the
sweep's journal ~1.7 MB and its results file ~0.86 MB (limit 1.2 MB).  test_full_disk
covers the other case, a full disk on which the results file cannot be written
either (the checkpoint stays for a rerun)."""
import re
import resource
import signal
import subprocess

RUN = """\
name: spinup
run: {origin: 2015-01, start: 2023-02, end: 2023-03, replicates: 60, seed: 5}
origin: {firms: 200}
"""

BASE = """\
name: tiny
run: {origin: 2022-06, start: 2023-02, end: 2023-08, replicates: 2, seed: 5}
origin: {firms: 200}
"""

SWEEP = """\
base: base.yaml
design: lhs
points: 60
replicates: 2
seed: 7
factors:
  policy.guidance_fund: {min: 0, max: 1亿}
"""


def sh(args, cwd, limit=None, timeout=120):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=pre if limit else None)


def check(tmp_path, r, out, side, what, limit):
    """The run succeeded with one warning naming the failed side file, which is gone;
    no temporary is left; the results file is whole and within the limit."""
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr                    # -q: the warning only, once
    assert re.fullmatch(rf"neobay: warning: {re.escape(side.name)}: cannot write checkpoint: "
                        rf"File too large; it keeps \d+ records? \(\d+ bytes\) that a rerun resumes "
                        rf"from if the results file is not written \(it is deleted when it "
                        rf"is\): delete it to free the space; continuing without a "
                        rf"{what}", lines[0]), r.stderr
    assert not side.exists(), "the failed " + what + " was left on the disk"
    assert not list(tmp_path.glob("*.part-*"))          # no partial results file
    assert 0 < out.stat().st_size <= limit


def test_run_checkpoint_write_fails_results_written(neobay, tmp_path):
    (tmp_path / "s.yaml").write_text(RUN)
    limit = 2_500_000
    r = sh([neobay, "run", "s.yaml", "-o", "o.h5", "-q", "-t", "1", "--fixed-parameters"], tmp_path, limit)
    check(tmp_path, r, tmp_path / "o.h5", tmp_path / "o.h5.ckpt", "checkpoint", limit)
    # The results are those of a run whose checkpoint never failed.
    r = sh([neobay, "run", "s.yaml", "-o", "fresh.h5", "-q", "-t", "1", "--fixed-parameters"], tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert (tmp_path / "o.h5").read_bytes() == (tmp_path / "fresh.h5").read_bytes()


def test_sweep_journal_write_fails_results_written(neobay, tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "sw.yaml").write_text(SWEEP)
    limit = 1_200_000
    r = sh([neobay, "sweep", "sw.yaml", "-o", "w.h5", "-q", "-t", "1"], tmp_path, limit)
    check(tmp_path, r, tmp_path / "w.h5", tmp_path / "w.h5.journal", "journal", limit)
    r = sh([neobay, "sweep", "sw.yaml", "-o", "fresh.h5", "-q", "-t", "1"], tmp_path)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert (tmp_path / "w.h5").read_bytes() == (tmp_path / "fresh.h5").read_bytes()
