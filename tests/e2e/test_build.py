"""The build: the commit string follows git, changed flags rebuild, headers are real
dependencies, an out-of-tree build writes nothing into the sources, and
`make install` gives a library a C program can use through pkg-config, plus the
binary, scenarios and the Python package; `make uninstall` takes them away.

Everything happens in a private copy of the working tree (tracked files and new
ones not ignored, as they are on disk) made into a git repository of its own, so
commits and builds never touch the repository under test.  About three full builds
at -j2: the slowest file of the e2e tests, kept to what the acceptance asks.
"""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
HERE = pathlib.Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None,
                                reason="needs git and make")


def env():
    """The environment for the inner makes: no MAKEFLAGS of an outer `make test`
    (its jobserver and command-line variables such as BUILD= must not leak in)."""
    e = {k: v for k, v in os.environ.items()
         if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    e.update(NB_NO_DEPS="1", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
             GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid", LC_ALL="C")
    return e


def sh(args, cwd, **kw):
    """Run args in cwd; the CompletedProcess, with a readable failure."""
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=kw.pop("env", env()),
                       **kw)
    assert r.returncode == 0, f"{' '.join(map(str, args))} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def make(src, *args):
    return sh(["make", "-j2", *args], src)


def compiled(out):
    """The sources a make output compiled (`... -c SRC -o OBJ`)."""
    return set(re.findall(r" -c (\S+\.c) -o ", out))


def head(src):
    return sh(["git", "rev-parse", "--short=12", "HEAD"], src).stdout.strip()


def needed(binary):
    """The shared libraries an ELF file names (readelf -d)."""
    return re.findall(r"\(NEEDED\).*\[(.+)\]", sh(["readelf", "-d", str(binary)], "/").stdout)


def mpi_available():
    e = env()
    return (subprocess.run(["pkg-config", "--exists", "ompi-c"], env=e).returncode == 0
            or shutil.which("mpicc") is not None)


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    """A git repository holding a copy of the working tree, built once with `make`."""
    d = tmp_path_factory.mktemp("build") / "neobay"
    files = sh(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
               ROOT).stdout.split("\0")
    for f in filter(None, files):
        s = ROOT / f
        if s.is_file():                       # skip files deleted in the working tree
            (d / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(s, d / f)
    sh(["git", "init", "-q"], d)
    sh(["git", "add", "-A"], d)
    sh(["git", "commit", "-q", "-m", "copy of the tree under test"], d)
    make(d)
    return d


def test_version_follows_the_commit(src):
    first = sh(["build/neobay", "version"], src).stdout
    assert f"(commit {head(src)})" in first, first
    sh(["git", "commit", "-q", "--allow-empty", "-m", "empty"], src)
    out = make(src).stdout
    now = sh(["build/neobay", "version"], src).stdout
    assert f"(commit {head(src)})" in now and now != first, now
    # Only files that include nb_version.h were recompiled, none of the model's.
    redone = compiled(out)
    assert redone and not any(f.startswith("model/") for f in redone), redone
    for f in redone:
        assert '#include "nb_version.h"' in (src / f).read_text(), f
    assert compiled(make(src).stdout) == set(), "a second make recompiled something"
    # One generated header, no fallback definitions left in the sources.
    stale = [str(f) for f in src.glob("*/*.[ch]") if "#ifndef NB_GIT_COMMIT" in f.read_text()]
    assert stale == [], stale


def test_objects_depend_on_the_headers_they_include(src):
    (src / "model/textdist.h").touch()
    redone = compiled(make(src).stdout)
    assert "model/textdist.c" in redone, redone
    assert "model/firmstep.c" not in redone and "io/h5out.c" not in redone, redone


def test_no_mpi_rebuilds_without_mpi(src):
    if mpi_available():
        assert any(n.startswith("libmpi") for n in needed(src / "build/neobay"))
    redone = compiled(make(src, "NB_NO_MPI=1").stdout)
    assert "model/sim.c" in redone and "sweep/sweep_run.c" in redone, "flags change rebuilt too little"
    assert not any(n.startswith("libmpi") for n in needed(src / "build/neobay"))
    syms = sh(["nm", str(src / "build/neobay")], src).stdout
    assert not re.search(r"\bMPI_Init\b", syms)
    assert compiled(make(src, "NB_NO_MPI=1").stdout) == set()
    assert "(commit " in sh(["build/neobay", "version"], src).stdout


def tree_files(src):
    """Every file of the source tree, outside the in-tree build folders and .git."""
    return {p.relative_to(src) for p in src.rglob("*")
            if p.is_file() and p.relative_to(src).parts[0] not in (".git", "build", "build-asan")}


def test_install_and_use_the_library(src, tmp_path):
    before = tree_files(src)
    obj, dest = tmp_path / "obj", tmp_path / "x"
    make(src, f"BUILD={obj}", "install", f"DESTDIR={dest}", "PREFIX=/usr")
    assert tree_files(src) == before, "an out-of-tree build wrote into the sources"
    usr = dest / "usr"
    ver = re.search(r'NB_VERSION "([0-9.]+)"', (src / "model/neobay.h").read_text()).group(1)

    # The binary, the scenarios.
    nb = usr / "bin/neobay"
    assert os.access(nb, os.X_OK)
    assert (usr / "share/neobay/scenarios/baseline.yaml").is_file()
    assert (usr / "share/neobay/scenarios/sweeps/small.yaml").is_file()
    assert (usr / "share/neobay/calibration/gnb-2024.h5").is_file()   # run draws from it
    # The library: shared with its soname, static, headers (not the internal model.h).
    lib = usr / "lib"
    real = lib / f"libneobay.so.{ver}"
    assert real.is_file() and (lib / "libneobay.so").resolve() == real.resolve()
    soname = re.search(r"\(SONAME\).*\[(.+)\]", sh(["readelf", "-d", str(real)], src).stdout).group(1)
    assert (lib / soname).resolve() == real.resolve()
    assert (lib / "libneobay.a").is_file()
    inc = usr / "include/neobay"
    assert (inc / "sim.h").is_file() and (inc / "params.def").is_file()
    assert not (inc / "model.h").exists()
    # Only the public declarations are exported (internal model functions are hidden).
    exported = set(sh(["nm", "-D", "--defined-only", str(real)], src).stdout.split())
    assert "nb_sim_run" in exported and "nb_paramset_default" in exported
    assert "policy_month" not in exported and "firms_step" not in exported

    # A tiny C program against the installed library, through pkg-config alone.
    pc = lib / "pkgconfig"
    assert (pc / "neobay.pc").is_file()
    e = env()
    e.update(PKG_CONFIG_PATH=str(pc), PKG_CONFIG_SYSROOT_DIR=str(dest))
    flags = sh(["pkg-config", "--cflags", "--libs", "neobay"], tmp_path, env=e).stdout.split()
    assert f"-I{usr}/include" in flags and "-lneobay" in flags, flags
    prog = tmp_path / "one_replicate"
    sh(["cc", "-std=c17", "-Wall", "-Werror", str(HERE / "one_replicate.c"), "-o", str(prog),
        *flags], tmp_path, env=e)
    e["LD_LIBRARY_PATH"] = str(lib)
    ldd = sh(["ldd", str(prog)], tmp_path, env=e).stdout
    assert str(real.parent) in ldd, ldd
    out = sh([str(prog), "2026"], tmp_path, env=e).stdout
    m = re.fullmatch(rf"neobay {ver} months (\d+) firm_steps (\d+) firms (\S+)\n", out)
    assert m and int(m.group(1)) > 1 and int(m.group(2)) > 0, out
    # The same against the static library (--static adds OpenMP's and GSL's flags).
    sflags = sh(["pkg-config", "--static", "--cflags", "--libs", "neobay"], tmp_path,
                env=e).stdout.replace("-lneobay", "-l:libneobay.a").split()
    sprog = tmp_path / "one_replicate_static"
    sh(["cc", "-std=c17", "-Wall", "-Werror", str(HERE / "one_replicate.c"), "-o", str(sprog),
        *sflags], tmp_path, env=e)
    assert "libneobay" not in sh(["ldd", str(sprog)], tmp_path, env=e).stdout
    assert sh([str(sprog), "2026"], tmp_path, env=e).stdout == out

    # The installed binary gives the same replicate (same defaults, same seed), with
    # the parameters fixed; by default it finds the installed posterior and draws.
    (tmp_path / "lib.yaml").write_text("name: lib\nrun:\n  replicates: 1\n  end: 2026-12\n")
    sh([str(nb), "run", "lib.yaml", "-o", "lib.h5", "-q", "-t", "1", "--fixed-parameters"], tmp_path)
    r = sh([str(nb), "run", "lib.yaml", "-o", "drawn.h5", "-q", "-t", "1"], tmp_path)
    assert "no calibration posterior" not in r.stderr, r.stderr

    # The Python package, imported from elsewhere than the sources, reads that file.
    pydir = sh([PY, str(src / "tools/pythondir.py"), "/usr"], src).stdout.strip()
    site = pathlib.Path(str(dest) + pydir)
    assert (site / "neobay_py/__init__.py").is_file()
    e = env()
    e["PYTHONPATH"] = str(site)
    r = sh([PY, "-c", "import neobay_py, neobay_py.io as io; print(neobay_py.__file__); "
            "print(float(io.open_run('lib.h5')['firms'].values[0, -1]))"], tmp_path, env=e)
    where, firms = r.stdout.split()
    assert where.startswith(str(site)), where
    assert float(firms) == float(m.group(3)), (firms, out)

    # uninstall leaves no file behind.
    make(src, f"BUILD={obj}", "uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
    left = [p for p in dest.rglob("*") if not p.is_dir()]
    assert left == [], left


def test_pyproject_builds_offline(src, tmp_path):
    text = (src / "pyproject.toml").read_text()
    ver = re.search(r'NB_VERSION "([0-9.]+)"', (src / "model/neobay.h").read_text()).group(1)
    assert re.search(rf'^version = "{re.escape(ver)}"', text, re.M), "pyproject's version is not NB_VERSION"
    if subprocess.run([PY, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        pytest.skip("no pip")
    sh([PY, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps", "--no-index",
        "-w", str(tmp_path), "."], src)
    assert list(tmp_path.glob(f"neobay_py-{ver}-*.whl"))
