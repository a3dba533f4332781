"""Broken scenarios: every file in tests/bad/ must be refused with exit code 2 and one
error line naming the file, the line, the key and what is wrong -- and must leave no
output behind.  The table is tests/bad/cases.tsv:

    file    line    key    message

`line` is the line the message must point at in that same file, or `other.yaml:LINE`
when the fault lies in a file it extends; `key` is the dotted key the message names
('-' when the fault has no key, e.g. a YAML syntax error); `message` is a substring of
the message.
"""
import csv
import pathlib
import subprocess

import pytest

BAD = pathlib.Path(__file__).resolve().parents[1] / "bad"
PREFIX = "neobay: error: "


def cases():
    with open(BAD / "cases.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [pytest.param(r, id=r["file"]) for r in rows]


def run(neobay, root, scenario, out_dir, *extra):
    """`neobay run -o OUT_DIR/out.h5 [EXTRA...] SCENARIO` (options first: works whether
    or not the CLI also takes them after the file)."""
    return subprocess.run([neobay, "run", "-o", str(out_dir / "out.h5"), *extra, scenario],
                          cwd=root, capture_output=True, text=True, timeout=60)


def only_error_line(stderr):
    """The single line of stderr, which must be one error message."""
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one error line, got:\n{stderr}"
    assert lines[0].startswith(PREFIX), lines[0]
    return lines[0][len(PREFIX):]


def test_table_covers_every_bad_file():
    listed = {c.values[0]["file"] for c in cases()}
    present = {p.name for p in BAD.glob("*.yaml")}
    assert listed == present
    assert len(present) >= 30


@pytest.mark.parametrize("case", cases())
def test_bad_scenario_is_refused(neobay, root, tmp_path, case):
    scenario = f"tests/bad/{case['file']}"
    r = run(neobay, root, scenario, tmp_path)
    assert r.returncode == 2, r.stderr
    msg = only_error_line(r.stderr)
    where = case["line"]
    at = f"tests/bad/{where}:" if ":" in where else f"{scenario}:{where}:"
    assert msg.startswith(at), f"{msg!r} should start with {at!r}"
    if case["key"] != "-":
        assert f"key '{case['key']}'" in msg, msg
    assert case["message"] in msg, msg
    assert list(tmp_path.iterdir()) == [], "a refused scenario must write nothing"


def test_missing_scenario_file(neobay, root, tmp_path):
    scenario = "tests/bad/no_such_scenario.yaml"
    r = run(neobay, root, scenario, tmp_path)
    assert r.returncode == 2
    msg = only_error_line(r.stderr)
    assert msg.startswith(scenario + ": ")
    assert "No such file or directory" in msg
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("assignment,message", [
    ("exit.backgrond=0.02", "--set: key 'exit.backgrond': unknown key; did you mean 'exit.background'?"),
    ("exit.background=1.5", "--set: key 'exit.background': value 1.5 is above the maximum 1"),
    ("policy.poc_budget={2025-01: 2兆}", "--set: key 'policy.poc_budget': at 2025-01: value '2兆' has an unknown unit"),
    ("policy.poc_budget={2025-01: 1亿", "--set: key 'policy.poc_budget': YAML syntax error in the value"),
    ("exit.background", "--set: 'exit.background' is not of the form key=value"),
    ("rules=[]", "--set: key 'rules': rules can only be given in a scenario file"),
    ("rules[0].if.below=5亿", "--set: key 'rules': rules can only be given in a scenario file"),
])
def test_bad_set_is_refused(neobay, root, tmp_path, assignment, message):
    r = run(neobay, root, "scenarios/baseline.yaml", tmp_path, "--set", assignment)
    assert r.returncode == 2
    assert message in only_error_line(r.stderr)
    assert list(tmp_path.iterdir()) == []
