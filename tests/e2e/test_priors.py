"""Every effect parameter's evidence prior names a section of model/EVIDENCE.md that
exists, and run files carry the prior beside the registry row (issue 10, item 3)."""
import re
import subprocess

import h5py

from conftest import ROOT


def params_with_priors(neobay):
    out = subprocess.run([neobay, "params"], capture_output=True, text=True, check=True).stdout
    rows = {}
    for block in out.strip().split("\n\n"):
        name = block.split()[0]
        m = re.search(r"^  prior: (.*)$", block, re.M)
        if m:
            rows[name] = m.group(1)
    return rows


def test_every_prior_names_an_evidence_section(neobay):
    text = (ROOT / "model" / "EVIDENCE.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", text, re.M))
    rows = params_with_priors(neobay)
    assert len(rows) >= 30, rows
    for name, prior in rows.items():
        m = re.search(r"EVIDENCE\.md §(\d+)", prior)
        assert m, (name, prior)
        assert m.group(1) in sections, f"{name}: EVIDENCE.md has no section {m.group(1)}"


def test_run_file_carries_priors(neobay, tmp_path):
    out = tmp_path / "p.h5"
    subprocess.run([neobay, "run", str(ROOT / "scenarios" / "baseline.yaml"), "--replicates", "1",
                    "-o", str(out)], capture_output=True, check=True)
    rows = params_with_priors(neobay)
    with h5py.File(out, "r") as f:
        g = f["parameters"]
        names = [x.decode() for x in g["parameter"][:]]
        prior = [x.decode() for x in g["prior"][:]]
    for name, p in zip(names, prior):
        assert bool(p) == (name in rows), name
        if p:
            assert p.split(";")[0] in rows[name], (name, p)
