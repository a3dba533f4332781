"""The standard figures checked as pictures: tools/figures.py (and `make figures`)
renders each PNG at its fixed size, with something drawn on it, in a CJK font, the
same bytes every time; the sweep and calibration figures come from real `neobay
sweep` / `neobay calibrate` files; a missing, damaged, foreign or older-version file
gives exit code 2 and one line naming it, never a traceback; the README's two
embedded figures are committed, small and not git-ignored."""
import os
import shutil
import struct
import subprocess
import sys

import h5py
import numpy as np
import pytest

REPLICATES = 12
END = "2029-12"
POLICIES = ("policy-2024", "pillar-3-firms")

# name -> (width, height) in pixels of each standard figure
SIZES = {
    "projection": (1200, 800),
    "projection-stages": (1200, 800),
    "alliance": (1200, 675),
    "policy-impact": (1200, 800),
    "impact-over-time": (1200, 675),
    "sensitivity": (1200, 675),
    "response-surface": (1200, 675),
}


def sh(args, cwd, **kw):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, **kw)


def figures_cli(root, *args):
    return sh([sys.executable, root / "tools" / "figures.py", *args], root)


def png_size(path):
    data = open(path, "rb").read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    return struct.unpack(">II", data[16:24])


def assert_picture(path, size=None):
    """A PNG of the expected size on which something is drawn: not one colour, many
    colours, and a good share of pixels that are not background."""
    import matplotlib.image as mpimg
    assert os.path.exists(path), f"{path} was not written"
    if size:
        assert png_size(path) == size, path
    img = mpimg.imread(path)[..., :3]
    grey = img.mean(axis=2)
    assert grey.std() > 0.05, f"{path}: nearly blank (std {grey.std():.4f})"
    colours = np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"{path}: only {len(colours)} colours"
    ink = (grey < 0.95).mean()
    assert ink > 0.03, f"{path}: only {ink:.1%} of the pixels are not background"


def has_command(neobay, cmd):
    return sh([neobay, cmd, "--help"], None).returncode == 0


@pytest.fixture(scope="module")
def runs(neobay, root, tmp_path_factory):
    """Short runs of the baseline and two policies and their impact files."""
    d = tmp_path_factory.mktemp("figures")
    out = {}
    for name in ("baseline",) + POLICIES:
        path = d / f"{name}.h5"
        r = sh([neobay, "run", "-o", path, "-r", REPLICATES, "--set", f"run.end={END}",
                "-q", f"scenarios/{name}.yaml"], root)
        assert r.returncode == 0, r.stderr
        out[name] = path
    for p in POLICIES:
        path = d / f"impact-{p}.h5"
        r = sh([neobay, "compare", out["baseline"], out[p], "-o", path], root)
        assert r.returncode == 0, r.stderr
        out[f"impact-{p}"] = path
    out["dir"] = d
    return out


@pytest.fixture(scope="module")
def rendered(root, runs):
    """tools/figures.py on the baseline and the impact files: the output directory."""
    out = runs["dir"] / "png"
    r = figures_cli(root, runs["baseline"], *sum((["--compare", runs[f"impact-{p}"]]
                                                   for p in POLICIES), []), "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    return out


@pytest.mark.parametrize("name", ["projection", "projection-stages", "alliance",
                                  "policy-impact", "impact-over-time"])
def test_standard_figure_is_a_picture(rendered, name):
    assert_picture(rendered / f"{name}.png", SIZES[name])


def test_only_the_standard_figures_and_no_temporaries(rendered):
    assert sorted(os.listdir(rendered)) == sorted(
        f"{n}.png" for n in ("projection", "projection-stages", "alliance", "policy-impact",
                             "impact-over-time"))


def test_same_bytes_every_time(root, runs, rendered, tmp_path):
    r = figures_cli(root, runs["baseline"], "--compare", runs["impact-policy-2024"],
                    "--compare", runs["impact-pillar-3-firms"], "-o", tmp_path, "-q")
    assert r.returncode == 0, r.stderr
    for name in os.listdir(rendered):
        assert (tmp_path / name).read_bytes() == (rendered / name).read_bytes(), name


def test_no_software_stamp(rendered):
    assert b"matplotlib" not in (rendered / "projection.png").read_bytes()


def test_policy_runs_instead_of_impact_files(root, runs, tmp_path):
    """Without impact files the impacts are computed from the runs, paired by
    replicate -- the same numbers neobay compare writes."""
    sys.path.insert(0, str(root))
    from neobay_py import io
    r = figures_cli(root, runs["baseline"], "--policy-run", runs["policy-2024"],
                    "--only", "policy-impact", "-o", tmp_path)
    assert r.returncode == 0, r.stderr
    assert_picture(tmp_path / "policy-impact.png", SIZES["policy-impact"])
    mine = io.compare_runs(io.open_run(runs["baseline"]), io.open_run(runs["policy-2024"]))
    theirs = io.open_compare(runs["impact-policy-2024"])
    for v in ("firms_impact_q", "unicorns_impact_q", "listed_impact_q"):
        np.testing.assert_allclose(mine[v].values, theirs[v].values, rtol=1e-12, atol=1e-9)
    for v in ("extra_public_spend", "cost_per_firm", "cost_per_listing", "cost_per_unicorn"):
        np.testing.assert_allclose(float(mine[v]), float(theirs[v]), rtol=1e-9, equal_nan=True)


def test_cjk_font_is_found(root):
    sys.path.insert(0, str(root))
    from neobay_py import figures
    import matplotlib
    from matplotlib import font_manager
    font = figures.cjk_font()
    assert font in figures.CJK_FONTS, f"no CJK font: install fonts-wqy-microhei ({font})"
    path = font_manager.findfont(font_manager.FontProperties(
        family=matplotlib.rcParams["font.sans-serif"][0]), fallback_to_default=False)
    from matplotlib.ft2font import FT2Font
    ft = FT2Font(path)
    for ch in "各阶段企业数独角兽瞪羚亿":
        assert ft.get_char_index(ord(ch)) != 0, f"{path} has no glyph for {ch}"


def test_run_file_without_quantiles_or_milestones(root, runs, tmp_path):
    """A run file lacking the stored quantiles and milestone probabilities (older
    layout) still gives the projection: both are computed from the replicates."""
    old = tmp_path / "old.h5"
    shutil.copy(runs["baseline"], old)
    with h5py.File(old, "a") as f:
        for k in list(f):
            if k.endswith("_q") or k.startswith("p_"):
                del f[k]
    r = figures_cli(root, old, "--only", "projection,alliance", "-o", tmp_path / "png")
    assert r.returncode == 0, r.stderr
    assert_picture(tmp_path / "png" / "projection.png", SIZES["projection"])
    assert_picture(tmp_path / "png" / "alliance.png", SIZES["alliance"])


# ---- sweeps and calibration: real producer files ----------------------------------

SWEEP = """base: base.yaml
design: saltelli
points: 8
replicates: 3
seed: 1
outputs:
  metrics: [firms, unicorns]
  years: [2026]
factors:
  policy.guidance_fund: {scale: [0, 2]}
  policy.poc_budget: {scale: [0, 2]}
  policy.incubator_budget: {scale: [0, 2]}
"""


def test_sweep_figures(neobay, root, tmp_path):
    for cmd in ("sweep", "sensitivity"):
        if not has_command(neobay, cmd):
            pytest.skip(f"`neobay {cmd}` does not exist in this build: no sweep figures")
    (tmp_path / "base.yaml").write_text(
        f"extends: {root}/scenarios/policy-2024.yaml\nrun: {{end: 2026-12}}\n")
    (tmp_path / "s.yaml").write_text(SWEEP)
    r = sh([neobay, "sweep", tmp_path / "s.yaml", "-o", tmp_path / "s.h5", "-q",
            "--allow-extends-outside"], root)           # base.yaml extends the shipped policy
    assert r.returncode == 0, r.stderr
    r = figures_cli(root, "--sweep", tmp_path / "s.h5", "-o", tmp_path / "png")
    assert r.returncode == 0, r.stderr              # no /sensitivity yet: surface only
    assert sorted(os.listdir(tmp_path / "png")) == ["response-surface.png"]
    r = sh([neobay, "sensitivity", tmp_path / "s.h5"], root)
    assert r.returncode == 0, r.stderr
    r = figures_cli(root, "--sweep", tmp_path / "s.h5", "--levers",
                    "policy.guidance_fund,policy.poc_budget", "--metric", "firms",
                    "-o", tmp_path / "png")
    assert r.returncode == 0, r.stderr
    for name in ("sensitivity", "response-surface"):
        assert_picture(tmp_path / "png" / f"{name}.png", SIZES[name])
    r = figures_cli(root, "--sweep", tmp_path / "s.h5", "--levers", "policy.nope,policy.poc_budget",
                    "-o", tmp_path / "png")
    assert r.returncode == 2 and "policy.nope" in r.stderr and "Traceback" not in r.stderr


def test_calibration_figures(neobay, root, tmp_path):
    if not has_command(neobay, "calibrate"):
        pytest.skip("`neobay calibrate` does not exist in this build: no calibration figures")
    import re
    text = (root / "calibration" / "gnb-2024.yaml").read_text()
    for key, value in (("scenario", root / "calibration" / "start-2023-02.yaml"),
                       ("targets", root / "calibration" / "targets.yaml"),
                       ("particles", 12), ("generations", 1), ("replicates", 1),
                       ("predictive", 1)):
        text = re.sub(rf"^{key}:.*$", f"{key}: {value}", text, flags=re.M)
    (tmp_path / "c.yaml").write_text(text)
    r = sh([neobay, "calibrate", tmp_path / "c.yaml", "-o", tmp_path / "p.h5", "-q"], root)
    assert r.returncode == 0, r.stderr
    r = figures_cli(root, "--posterior", tmp_path / "p.h5", "-o", tmp_path / "png")
    assert r.returncode == 0, r.stderr
    for name in ("calibration-fit", "posterior"):
        path = tmp_path / "png" / f"{name}.png"
        assert_picture(path)
        assert png_size(path)[0] == 1200
    # the fit table is the one `neobay calibrate report` prints
    sys.path.insert(0, str(root))
    from neobay_py import io
    post = io.open_posterior(tmp_path / "p.h5")
    report = sh([neobay, "calibrate", "report", tmp_path / "p.h5"], root).stdout
    n_in = int(post.fit["within"].sum())
    assert f"{n_in}/{len(post.fit)}" in report.replace(" ", ""), report


# ---- bad files: one line, exit 2 ----------------------------------------------------

def make_bad(kind, d, runs):
    p = d / f"{kind}.h5"
    if kind == "missing":
        return d / "nowhere.h5"
    if kind == "directory":
        return d
    if kind == "text":
        p.write_text("not an HDF5 file\n")
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "truncated":
        p.write_bytes(runs["baseline"].read_bytes()[:50000])
    elif kind == "foreign":
        with h5py.File(p, "w") as f:
            f["x"] = np.arange(3)
    elif kind == "older":                # an older layout: no dimension scales, other names
        with h5py.File(p, "w") as f:
            f.attrs["neobay_version"] = "0.0.1"
            f["active_firms"] = np.zeros((4, 10))
    elif kind == "renamed":              # a neobay run file lacking a metric it needs
        shutil.copy(runs["baseline"], p)
        with h5py.File(p, "a") as f:
            del f["firms"]
            del f["firms_q"]
    elif kind == "unversioned":
        shutil.copy(runs["baseline"], p)
        with h5py.File(p, "a") as f:
            del f.attrs["neobay_version"]
    elif kind == "compare-as-run":
        return runs["impact-policy-2024"]
    elif kind == "zeroed":               # a block of the file overwritten
        data = bytearray(runs["baseline"].read_bytes())
        mid = len(data) // 3
        data[mid:mid + 65536] = b"\0" * 65536
        p.write_bytes(bytes(data))
    return p


BAD = ["missing", "directory", "text", "empty", "truncated", "foreign", "older", "renamed",
       "unversioned", "compare-as-run", "zeroed"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_run_file_one_line_exit_2(root, runs, tmp_path, kind):
    bad = make_bad(kind, tmp_path, runs)
    r = figures_cli(root, bad, "-o", tmp_path / "png")
    assert r.returncode == 2, (kind, r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"figures: error: {bad}:"), lines[0]
    assert not (tmp_path / "png").exists() or not os.listdir(tmp_path / "png")


@pytest.mark.parametrize("option", ["--compare", "--sweep", "--posterior"])
def test_bad_other_files_one_line_exit_2(root, runs, tmp_path, option):
    for bad in (make_bad("truncated", tmp_path, runs), runs["baseline"]):
        r = figures_cli(root, option, bad, "-o", tmp_path / "png")
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
        assert f"{bad}:" in r.stderr


def test_python_api_raises_neobay_file_error(root, runs, tmp_path):
    sys.path.insert(0, str(root))
    from neobay_py import io
    for kind in ("truncated", "foreign", "renamed", "zeroed"):
        bad = make_bad(kind, tmp_path, runs)
        with pytest.raises(io.NeobayFileError) as e:
            io.open_run(bad)
        assert str(e.value).startswith(f"{bad}: ") and "\n" not in str(e.value)
    with pytest.raises(io.NeobayFileError, match="not a run file"):
        io.open_run(runs["impact-policy-2024"])
    with pytest.raises(io.NeobayFileError, match="cannot be paired"):
        short = tmp_path / "short.h5"
        shutil.copy(runs["baseline"], short)
        a = io.open_run(runs["baseline"])
        b = io.open_run(short).isel(replicate=slice(0, 5))
        io.compare_runs(a, b)


def test_bad_command_line(root, runs, tmp_path):
    for args in ([], ["-o", tmp_path], [runs["baseline"], "-o", tmp_path, "--only", "nope"],
                 ["--policy-run", runs["policy-2024"], "-o", tmp_path]):
        r = figures_cli(root, *args)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr


# ---- the README's figures ---------------------------------------------------------

@pytest.mark.parametrize("name", ["projection", "policy-impact"])
def test_readme_embeds_committed_figure(root, name):
    rel = f"output/figures/{name}.png"
    assert f"({rel})" in (root / "README.md").read_text(), f"README does not embed {rel}"
    path = root / rel
    assert_picture(path, SIZES[name])
    assert path.stat().st_size < 300_000, f"{rel}: {path.stat().st_size} bytes"
    r = sh(["git", "check-ignore", "-q", rel], root)
    assert r.returncode == 1, f"{rel} is git-ignored"
