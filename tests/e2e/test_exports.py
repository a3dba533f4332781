"""The shared library exports the model core's API and nothing else (issue 12): every
dynamic text or data symbol of build/libneobay.so starts with nb_ and is declared
NB_API in a header of model/; internal functions are static or hidden."""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The lock of a named `#pragma omp critical`: made by the compiler, not an API.
GOMP = ".gomp_critical_user_"
NB_API_RE = re.compile(r"\bNB_API\b[^;{]*?\b(nb_\w+)\s*[\[(;]")


def declared():
    names = set()
    for h in (ROOT / "model").glob("*.h"):
        text = re.sub(r"/\*.*?\*/", "", h.read_text(encoding="utf-8"), flags=re.S)
        names |= set(NB_API_RE.findall(text))
    return names


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], capture_output=True,
                         text=True, check=True).stdout
    return {f[2] for f in (line.split() for line in out.splitlines())
            if len(f) == 3 and f[1] in "TDRB" and not f[2].startswith(GOMP)}


def test_only_nb_api_symbols_are_exported():
    build = pathlib.Path(os.environ.get("NEOBAY", ROOT / "build" / "neobay")).parent
    libs = sorted(build.glob("libneobay.so*"))
    if not libs or not shutil.which("nm"):
        pytest.skip("no shared library or no nm")
    syms = exported(libs[0].resolve())
    assert syms, "the library exports nothing"
    assert not {s for s in syms if not s.startswith("nb_")}, "exported without the nb_ prefix"
    assert not syms - declared(), "exported but not declared NB_API in model/*.h"
