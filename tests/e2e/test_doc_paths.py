"""Every repository path that README.md and cluster/ (README and scripts) name exists,
and every shipped sweep file passes `neobay sweep check` (issue 13, item 2)."""
import re
import subprocess

import pytest

from conftest import ROOT

# Repository paths as the documents write them: a top folder, then path characters.
PATH_RE = re.compile(r"\b(?:scenarios|calibration|cluster|output|tools|notebooks)/[A-Za-z0-9_./-]*")
# Made by the commands the documents show, not shipped.
OUTPUT_KINDS = (".h5", ".csv", ".parquet")
# Named in an example error message, not a file of the repository.
EXAMPLES = {"scenarios/x.yaml"}


def documents():
    return [ROOT / "README.md"] + sorted(p for p in (ROOT / "cluster").iterdir() if p.is_file())


def named_paths():
    """(document, path) for every repository path a document names."""
    found = set()
    for doc in documents():
        for m in PATH_RE.finditer(doc.read_text(encoding="utf-8")):
            path = m.group(0).rstrip(".")          # a path ending a sentence
            if path in EXAMPLES or "$" in path:
                continue
            if path.startswith("output/") and path.endswith(OUTPUT_KINDS):
                continue                           # what a command writes
            found.add((doc.relative_to(ROOT).as_posix(), path))
    return sorted(found)


def test_documents_name_paths():
    # The regex finds the paths at all (guards against an empty parametrisation).
    assert any(p == "scenarios/sweeps/policy.yaml" for _, p in named_paths())


@pytest.mark.parametrize("doc,path", named_paths())
def test_named_path_exists(doc, path):
    assert (ROOT / path).exists(), f"{doc} names {path}, which is not in the repository"


def sweep_files():
    """The shipped sweep files: those under scenarios/sweeps/ with a factors: block
    (the others there, like base-short.yaml, are the scenarios sweeps start from)."""
    return sorted(p for p in (ROOT / "scenarios" / "sweeps").glob("*.yaml")
                  if re.search(r"^factors:", p.read_text(encoding="utf-8"), re.M))


def test_policy_sweep_is_shipped():
    assert ROOT / "scenarios" / "sweeps" / "policy.yaml" in sweep_files()


@pytest.mark.parametrize("sweep", sweep_files(), ids=lambda p: p.name)
def test_sweep_check_accepts(neobay, sweep):
    r = subprocess.run([neobay, "sweep", "check", str(sweep.relative_to(ROOT))],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "valid sweep" in r.stdout
