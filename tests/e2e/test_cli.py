"""The CLI as a user meets it: help, exit codes, the parameter list and its generated
documentation, and runs that are killed mid-way."""
import os
import signal
import subprocess
import time

import pytest


def sh(args, cwd, **kw):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, **kw)


@pytest.mark.parametrize("cmd", ["run", "check", "params", "summary"])
def test_every_subcommand_has_help(neobay, root, cmd):
    r = sh([neobay, cmd, "--help"], root)
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: neobay " + cmd)


def test_unknown_command_exit_2(neobay, root):
    r = sh([neobay, "frobnicate"], root)
    assert r.returncode == 2
    assert "unknown command 'frobnicate'" in r.stderr


@pytest.mark.parametrize("args,msg", [
    (["--replicates", "0"], "--replicates: '0'"),
    (["--threads", "x"], "--threads: 'x'"),
    (["--seed", "-1"], "--seed: '-1'"),
    (["-o", "/nonexistent/dir/out.h5"], "directory '/nonexistent/dir' does not exist"),
])
def test_bad_command_line_exit_2(neobay, root, args, msg):
    r = sh([neobay, "run", "scenarios/baseline.yaml", *args], root)
    assert r.returncode == 2
    assert msg in r.stderr


def test_params_lists_every_parameter(neobay, root):
    r = sh([neobay, "params"], root)
    assert r.returncode == 0
    names = [l.split()[0] for l in r.stdout.splitlines() if l and not l.startswith(" ")]
    assert "exit.background" in names and "policy.guidance_fund" in names
    assert len(names) == len(set(names))


def test_parameters_md_is_current(neobay, root):
    """model/PARAMETERS.md is generated from the registry: regenerate with `make docs`."""
    r = sh([neobay, "params", "--markdown"], root)
    assert r.returncode == 0
    committed = (root / "model" / "PARAMETERS.md").read_text(encoding="utf-8")
    assert r.stdout == committed, "model/PARAMETERS.md is stale: run `make docs`"


def test_check_prints_resolved_scenario(neobay, root):
    r = sh([neobay, "check", "scenarios/policy-2024.yaml"], root)
    assert r.returncode == 0, r.stderr
    assert "guidance_fund" in r.stdout and "background" in r.stdout


def _start_long_run(neobay, root, out):
    return subprocess.Popen([neobay, "run", "scenarios/baseline.yaml", "-o", str(out),
                             "--replicates", "5000", "--threads", "1", "-q"],
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_sigkill_leaves_no_file(neobay, root, tmp_path):
    out = tmp_path / "killed.h5"
    p = _start_long_run(neobay, root, out)
    time.sleep(1.5)
    assert p.poll() is None, "the run finished before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert not out.exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".h5")]


def test_sigkill_keeps_previous_good_file(neobay, root, tmp_path):
    out = tmp_path / "good.h5"
    r = sh([neobay, "run", "scenarios/baseline.yaml", "-o", str(out), "-r", "2", "-q"], root)
    assert r.returncode == 0, r.stderr
    before = out.read_bytes()
    p = _start_long_run(neobay, root, out)
    time.sleep(1.5)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert out.read_bytes() == before
