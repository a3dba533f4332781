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
# Build products the README says how to make (not committed).
BUILT = {"calibration/gnb-2024-sbc.h5"}


def documents():
    return [ROOT / "README.md"] + sorted(p for p in (ROOT / "cluster").iterdir() if p.is_file())


def named_paths():
    """(document, path) for every repository path a document names."""
    found = set()
    for doc in documents():
        for m in PATH_RE.finditer(doc.read_text(encoding="utf-8")):
            path = m.group(0).rstrip(".")          # a path ending a sentence
            text = m.string
            if path in EXAMPLES or path in BUILT or "$" in path or text[m.end():m.end() + 1] == "<":
                continue
            if path.startswith("output/") and (path.endswith(OUTPUT_KINDS) or path.endswith("-csv")):
                continue                           # what a command writes (-csv: export's folder)
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


# --- one naming scheme for results files (issue 13, item 3) ---------------------------
# output/<scenario or sweep file name>.h5, output/impact-<scenario>.h5, and -posterior
# for a run with --posterior (a calibration: calibration/<name>.h5): what the README's
# commands write and the notebooks read.

def scheme_names():
    stems = {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    sweeps = {p.stem for p in sweep_files()}
    names = {f"{p.stem}.h5" for p in (ROOT / "calibration").glob("*.yaml")}
    for s in stems:
        names |= {f"{s}.h5", f"impact-{s}.h5", f"{s}-posterior.h5", f"attribute-{s}.h5", f"{s}-effects.h5",
                  f"{s}-fixed.h5"}
    return names | {f"{s}.h5" for s in sweeps}


def readme_outputs():
    """(line, name) for every `-o output/NAME.h5` of README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(m.group(0), m.group(1)) for m in re.finditer(r"-o output/([A-Za-z0-9_.-]+\.h5)", text)]


def notebook_inputs():
    """(notebook, name) for every literal results-file name a notebook of output/ uses."""
    out = []
    for nb in sorted((ROOT / "output").glob("*.ipynb")):
        for m in re.finditer(r'(?<![{\w])\\"([A-Za-z0-9_-]+\.h5)\\"', nb.read_text(encoding="utf-8")):
            out.append((nb.name, m.group(1)))
    return out


def test_readme_outputs_follow_the_scheme():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    names = scheme_names()
    outs = readme_outputs()
    assert len(outs) >= 5
    for line, name in outs:
        # a --set variant (the command on the line before) carries a name of its own
        start = text.rfind("\n", 0, text.index(line))
        before = text[:start].splitlines()[-1] + text[start:text.index(line)]
        variant = "--set" in before
        assert name in names or variant, f"README.md writes output/{name}: not output/<name>.h5"


def test_notebooks_read_what_the_readme_writes():
    written = {name for _, name in readme_outputs()}
    names = scheme_names()
    found = notebook_inputs()
    assert ("sweep.ipynb", "saltelli-levers.h5") in found
    for nb, name in found:
        assert name in names, f"{nb} reads {name}: not output/<scenario or sweep name>.h5"
    for need in ("baseline.h5", "saltelli-levers.h5"):
        assert need in written, f"the README does not write output/{need}, which a notebook reads"
