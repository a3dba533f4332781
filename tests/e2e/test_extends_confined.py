"""Issue 14: `extends` stays inside the scenario's folder tree -- the folder holding
the top file's folder, resolved with realpath, so neither `../..` nor a symlink leaves
it -- unless --allow-extends-outside is given; it always names a .yaml/.yml file, and
its messages never quote a file that is not a scenario (`extends: /etc/shadow` printed
that file's first line on main at 8b6cd75).  The shipped scenarios still load."""
import os
import subprocess

import pytest

BASE = "name: b\norigin: {firms: 200}\n"


def sh(args, cwd, timeout=60):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, timeout=timeout)


def refused(r, words):
    err = r.stderr.decode("utf-8", "replace")
    return r.returncode == 2 and err.count("\n") == 1 and err.startswith("neobay: error:") and words in err


@pytest.fixture
def proj(tmp_path):
    """tmp/proj/sub/ holds the top files; tmp/outside.yaml lies outside proj."""
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "proj" / "lib").mkdir()
    (tmp_path / "outside.yaml").write_text(BASE)
    (tmp_path / "proj" / "lib" / "base.yaml").write_text(BASE)
    return tmp_path / "proj" / "sub"


@pytest.mark.parametrize("target", ["/etc/shadow", "/etc/passwd", "../../../../../../etc/hostname"])
def test_extends_non_yaml_refused_without_content(neobay, proj, target):
    (proj / "s.yaml").write_text(f"extends: {target}\n")
    r = sh([neobay, "check", "s.yaml"], proj)
    assert refused(r, "is not a scenario file"), r.stderr
    assert b"root" not in r.stderr and b"s.yaml:1:10: key 'extends'" in r.stderr
    r = sh([neobay, "check", "--allow-extends-outside", "s.yaml"], proj)
    assert refused(r, "is not a scenario file") and b"root" not in r.stderr


def test_extends_dotdot_outside_tree_refused(neobay, proj):
    (proj / "s.yaml").write_text("extends: ../../outside.yaml\n")
    r = sh([neobay, "check", "s.yaml"], proj)
    assert refused(r, "outside the scenario's folder tree"), r.stderr
    assert b"--allow-extends-outside" in r.stderr
    r = sh([neobay, "check", "s.yaml", "--allow-extends-outside"], proj)
    assert r.returncode == 0, r.stderr


def test_extends_absolute_outside_tree_refused(neobay, proj, tmp_path):
    (proj / "s.yaml").write_text(f"extends: {tmp_path / 'outside.yaml'}\n")
    assert refused(sh([neobay, "check", "s.yaml"], proj), "outside the scenario's folder tree")


def test_extends_symlink_out_of_tree_refused(neobay, proj, tmp_path):
    os.symlink(tmp_path / "outside.yaml", proj / "link.yaml")
    (proj / "s.yaml").write_text("extends: link.yaml\n")
    assert refused(sh([neobay, "check", "s.yaml"], proj), "outside the scenario's folder tree")
    os.symlink(tmp_path, proj / "up")                       # a folder symlink too
    (proj / "t.yaml").write_text("extends: up/outside.yaml\n")
    assert refused(sh([neobay, "check", "t.yaml"], proj), "outside the scenario's folder tree")


def test_extends_symlink_named_yaml_to_secret_refused(neobay, proj):
    os.symlink("/etc/shadow", proj / "shadow.yaml")
    (proj / "s.yaml").write_text("extends: shadow.yaml\n")
    r = sh([neobay, "check", "--allow-extends-outside", "s.yaml"], proj)
    assert refused(r, "is not a scenario file") and b"root" not in r.stderr


def test_extends_deeper_file_in_tree_chain_outside(neobay, proj, tmp_path):
    """The tree is the top file's: a base in the tree cannot extend out of it."""
    (tmp_path / "proj" / "lib" / "base.yaml").write_text("extends: ../../outside.yaml\n")
    (proj / "s.yaml").write_text("extends: ../lib/base.yaml\n")
    r = sh([neobay, "check", "s.yaml"], proj)
    assert refused(r, "outside the scenario's folder tree") and b"base.yaml:1:10" in r.stderr


def test_extends_inside_tree_loads(neobay, proj):
    (proj / "s.yaml").write_text("extends: ../lib/base.yaml\n")
    (proj / "t.yaml").write_text(f"extends: {proj.parent / 'lib' / 'base.yaml'}\n")
    for f in ("s.yaml", "t.yaml"):
        r = sh([neobay, "check", f], proj)
        assert r.returncode == 0, r.stderr


def test_shipped_scenarios_load(neobay, root, tmp_path):
    files = sorted((root / "scenarios").glob("*.yaml")) + [
        root / "scenarios" / "sweeps" / "base-short.yaml", root / "calibration" / "start-2023-02.yaml"]
    for f in files:
        for cwd in (root, tmp_path):                     # by absolute path, from anywhere
            r = sh([neobay, "check", f], cwd)
            assert r.returncode == 0, (f, r.stderr)


def test_shipped_sweeps_and_calibration_load(neobay, root, tmp_path):
    for f in sorted((root / "scenarios" / "sweeps").glob("*.yaml")):
        if f.name == "base-short.yaml":                  # a scenario, checked above
            continue
        r = sh([neobay, "sweep", "check", f], tmp_path)
        assert r.returncode == 0, (f, r.stderr)
    r = sh([neobay, "calibrate", "check", root / "calibration" / "gnb-2024.yaml"], tmp_path)
    assert r.returncode == 0, r.stderr
