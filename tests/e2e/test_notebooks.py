"""The analysis notebooks of output/ run headless (nbclient, Debian's ipykernel) on
small inputs they make themselves with the built neobay (NEOBAY_NOTEBOOK_SMALL=1),
every cell succeeds and every figure cell shows a picture; and they are committed
without outputs."""
import os
import subprocess

import pytest

nbformat = pytest.importorskip("nbformat", reason="python3-nbformat is not installed "
                               "(tools/deps.sh installs it)")
nbclient = pytest.importorskip("nbclient", reason="python3-nbclient is not installed "
                               "(tools/deps.sh installs it)")

CELL_TIMEOUT = 600          # seconds a cell may take

# notebook -> (the neobay commands that make its inputs beyond run/compare, the least
# number of pictures it shows)
NOTEBOOKS = {
    "projection": ((), 3),
    "policy-impact": ((), 2),
    "sweep": (("sweep", "sensitivity"), 3),
    "calibration": (("calibrate",), 3),
}


def has_command(neobay, cmd):
    r = subprocess.run([neobay, cmd, "--help"], capture_output=True, text=True)
    return r.returncode == 0


def test_every_notebook_is_listed(root):
    found = sorted(p.stem for p in (root / "output").glob("*.ipynb"))
    assert found == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(root, name):
    nb = nbformat.read(root / "output" / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}.ipynb cell {i} has outputs: strip them"
            assert cell.execution_count is None, f"{name}.ipynb cell {i} has a count"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(root, neobay, tmp_path, monkeypatch, name):
    needs, pictures = NOTEBOOKS[name]
    missing = [c for c in needs if not has_command(neobay, c)]
    if missing:
        pytest.skip(f"`neobay {missing[0]}` does not exist in this build ({neobay}): "
                    f"output/{name}.ipynb cannot make its inputs")
    monkeypatch.setenv("NEOBAY", str(neobay))
    monkeypatch.setenv("NEOBAY_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("NEOBAY_NOTEBOOK_DIR", str(tmp_path))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    path = root / "output" / f"{name}.ipynb"
    before = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(root / "output")}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"output/{name}.ipynb: a cell failed:\n{e}")
    except nbclient.exceptions.CellTimeoutError as e:
        pytest.fail(f"output/{name}.ipynb: a cell took over {CELL_TIMEOUT} s:\n{e}")
    shown = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                for o in c.outputs)
    assert shown >= pictures, f"output/{name}.ipynb showed {shown} pictures"
    for c in nb.cells:
        for o in c.get("outputs", []):
            assert o.output_type != "error", o
    assert path.read_bytes() == before, "executing must not change the committed notebook"
    assert os.listdir(tmp_path), "the notebook made no inputs in NEOBAY_NOTEBOOK_DIR"
