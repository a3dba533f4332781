"""No silent overwrite (issue 13, item 1): `neobay run` without -o writes
output/runs/<scenario>-<settings hash>.h5; with -o it refuses (exit 2, one line
naming --force) to replace a file of another scenario or other settings; --set
assignments are recorded in the file (`overrides`, `settings_hash`) and in the
summary's header."""
import re
import subprocess

import h5py
import pytest

SCEN = "scenarios/sweeps/base-short.yaml"


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


def run(neobay, root, *args):
    return sh([neobay, "run", str(root / SCEN), "-r", "2", "-q", *args], root)


def attrs(path):
    with h5py.File(path, "r") as f:
        return {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}


def test_default_name_carries_scenario_and_settings_hash(neobay, root, tmp_path):
    r = sh([neobay, "run", str(root / SCEN), "-r", "2", "-q"], tmp_path)
    assert r.returncode == 0, r.stderr
    files = list((tmp_path / "output" / "runs").glob("*.h5"))
    assert len(files) == 1
    m = re.fullmatch(r"base-short-([0-9a-f]{8})\.h5", files[0].name)
    assert m, files[0].name
    a = attrs(files[0])
    assert a["settings_hash"] == m.group(1) and a["overrides"] == ""
    # a --set variant gets a file of its own, the first is untouched
    before = files[0].read_bytes()
    r = sh([neobay, "run", str(root / SCEN), "-r", "2", "-q", "--set", "exit.background=0.03"],
           tmp_path)
    assert r.returncode == 0, r.stderr
    files2 = sorted((tmp_path / "output" / "runs").glob("*.h5"))
    assert len(files2) == 2 and files[0].read_bytes() == before


def test_variant_refuses_to_replace_and_force_replaces(neobay, root, tmp_path):
    out = tmp_path / "base.h5"
    assert run(neobay, root, "-o", str(out)).returncode == 0
    before = out.read_bytes()
    r = run(neobay, root, "-o", str(out), "--set", "exit.background=0.03")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "--force" in lines[0], r.stderr
    assert "base-short" in lines[0]
    assert out.read_bytes() == before
    r = run(neobay, root, "-o", str(out), "--set", "exit.background=0.03",
            "--set", "run.seed=7", "--force")
    assert r.returncode == 0, r.stderr
    a = attrs(out)
    assert a["overrides"] == "exit.background=0.03; run.seed=7"
    s = sh([neobay, "summary", str(out)], root)
    assert s.returncode == 0, s.stderr
    head = s.stdout.splitlines()[1]
    assert head.startswith("settings: " + a["settings_hash"]) and "exit.background=0.03" in head


def test_same_settings_replace_more_replicates_too(neobay, root, tmp_path):
    out = tmp_path / "base.h5"
    assert run(neobay, root, "-o", str(out)).returncode == 0
    h = attrs(out)["settings_hash"]
    r = sh([neobay, "run", str(root / SCEN), "-r", "3", "-q", "-o", str(out)], root)
    assert r.returncode == 0, r.stderr
    assert attrs(out)["settings_hash"] == h and attrs(out)["replicates"] == "3"


@pytest.mark.parametrize("other", [["--seed", "5"], ["scenario"]])
def test_other_seed_or_scenario_refused(neobay, root, tmp_path, other):
    out = tmp_path / "base.h5"
    assert run(neobay, root, "-o", str(out)).returncode == 0
    if other == ["scenario"]:
        r = sh([neobay, "run", "scenarios/baseline.yaml", "-r", "2", "-q", "-o", str(out)], root)
    else:
        r = run(neobay, root, "-o", str(out), *other)
    assert r.returncode == 2 and "--force" in r.stderr


def test_foreign_file_refused(neobay, root, tmp_path):
    out = tmp_path / "notes.h5"
    out.write_text("my notes\n")
    r = run(neobay, root, "-o", str(out))
    assert r.returncode == 2 and "--force" in r.stderr
    assert out.read_text() == "my notes\n"
