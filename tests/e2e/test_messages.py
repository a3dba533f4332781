"""The messages of issue 13, item 7: counts in `summary` as whole numbers, `summary`
on a sweep or posterior file names the command that reads it, and an option without
its value is one line naming the option."""
import re
import subprocess

import pytest


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def short_run(neobay, root, tmp_path_factory):
    path = tmp_path_factory.mktemp("msg") / "base-short.h5"
    r = sh([neobay, "run", "scenarios/sweeps/base-short.yaml", "-r", "4", "-q",
            "-o", str(path)], root)
    assert r.returncode == 0, r.stderr
    return path


def one_line_error(r):
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    # the error, then only the pointer to --help
    assert lines[0].startswith("neobay: error: "), r.stderr
    assert all(l.startswith("Try 'neobay ") for l in lines[1:]), r.stderr
    return lines[0]


COUNTS = ("firms", "projects", "firms_startup", "firms_backbone", "firms_leader",
          "valued_1e8", "valued_1e9", "gazelles", "unicorns", "listed", "hightech")


def test_summary_prints_counts_as_whole_numbers(neobay, root, short_run):
    r = sh([neobay, "summary", str(short_run)], root)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    seen = 0
    for i, line in enumerate(lines):
        words = line.split()
        if words and words[0] in COUNTS and i + 1 < len(lines):
            medians = words[1:]
            bands = re.findall(r"\[([^\]]*)\]", lines[i + 1])
            assert medians and bands, (line, lines[i + 1])
            for m in medians:
                assert re.fullmatch(r"\d+", m), f"{words[0]}: median {m} is not a count"
            for b in bands:
                assert re.fullmatch(r"\d+-\d+", b), f"{words[0]}: band [{b}] is not counts"
            seen += 1
    assert seen == len(COUNTS), r.stdout
    # money keeps its 亿 and decimals where they matter
    assert re.search(r"^revenue\s+\d+(\.\d+)?亿", r.stdout, re.M)


def test_summary_of_a_sweep_file_names_its_command(neobay, root, tmp_path):
    sweep = tmp_path / "small.h5"
    r = sh([neobay, "sweep", "scenarios/sweeps/small.yaml", "-o", str(sweep), "-q"], root)
    assert r.returncode == 0, r.stderr
    r = sh([neobay, "summary", str(sweep)], root)
    assert r.returncode != 0 and r.stdout == ""
    err = r.stderr.strip()
    assert "\n" not in err, err
    assert "damaged" not in err, err
    assert str(sweep) in err and "a sweep file" in err, err
    assert f"neobay sensitivity {sweep}" in err, err


def test_summary_of_a_posterior_file_names_its_command(neobay, root, tmp_path):
    # a tiny calibration of the shipped configuration (the full posterior is a build
    # product, not committed)
    text = (root / "calibration" / "gnb-2024.yaml").read_text()
    text = re.sub(r"^scenario: .*$", f"scenario: {root}/calibration/start-2023-02.yaml", text, flags=re.M)
    text = re.sub(r"^targets: .*$", f"targets: {root}/calibration/targets.yaml", text, flags=re.M)
    for key, value in (("particles", 12), ("generations", 1), ("predictive", 1)):
        text = re.sub(rf"^{key}:.*$", f"{key}: {value}", text, flags=re.M)
    (tmp_path / "cal.yaml").write_text(text)
    r = sh([neobay, "calibrate", "cal.yaml", "-o", "post.h5", "-q"], tmp_path)
    assert r.returncode == 0, r.stderr
    post = str(tmp_path / "post.h5")
    r = sh([neobay, "summary", post], root)
    err = r.stderr.strip()
    assert r.returncode != 0 and "\n" not in err and "damaged" not in err, err
    assert f"neobay calibrate report {post}" in err, err


@pytest.mark.parametrize("args,option", [
    (["run", "scenarios/baseline.yaml", "-o"], "-o"),
    (["run", "scenarios/baseline.yaml", "--output"], "--output"),
    (["run", "scenarios/baseline.yaml", "--replicates"], "--replicates"),
    (["check", "scenarios/baseline.yaml", "--set"], "--set"),
    (["compare", "a.h5", "b.h5", "-o"], "-o"),
    (["sweep", "scenarios/sweeps/small.yaml", "-o"], "-o"),
    (["sweep", "merge", "dir", "-o"], "-o"),
    (["sensitivity", "x.h5", "--metric"], "--metric"),
    (["calibrate", "calibration/gnb-2024.yaml", "-t"], "-t"),
    (["calibrate", "check", "calibration/gnb-2024.yaml", "--set"], "--set"),
])
def test_missing_option_value_is_one_message(neobay, root, args, option):
    line = one_line_error(sh([neobay, *args], root))
    assert line == f"neobay: error: option '{option}' needs a value", line


@pytest.mark.parametrize("args,option", [
    (["run", "scenarios/baseline.yaml", "--bogus"], "--bogus"),
    (["run", "scenarios/baseline.yaml", "-x"], "-x"),
    (["params", "--nope=1"], "--nope"),
])
def test_unknown_option_names_it(neobay, root, args, option):
    line = one_line_error(sh([neobay, *args], root))
    assert line == f"neobay: error: unknown option '{option}'", line
