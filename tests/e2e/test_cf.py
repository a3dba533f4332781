"""CF conventions of the results files (issue 13, item 5): every `units` string
parses as a UDUNITS-2 unit; the attributes CF tools read are fixed-length strings
(netCDF NC_CHAR), so `ncdump -t` decodes the time coordinate; the root carries
history, source, institution and references; every numeric coordinate has units;
money is "1" (or 1/month, 1/year) with currency CNY, counts "1" with a long_name.

How units are parsed: with libudunits2 itself, through ctypes (ut_read_xml with the
default unit database + ut_parse, as the udunits2 tool does).  tools/deps.sh installs
it (Debian's udunits-bin and libudunits2-dev), so the test requires it: it fails,
not falls back, when the library is missing.  `udunits_grammar` below, a check of
UDUNITS-2's unit syntax (products with ' ', '.', '*'; quotients with '/'; integer
exponents; numbers as scale factors; a "UNIT since DATE" time origin) over the unit
names neobay may write, is kept as a second, stricter opinion: a unit must pass both,
so a string UDUNITS happens to accept (it knows thousands of names) but neobay never
means, such as "a" (year) for a count, is still refused.  Files checked: a run with a
yearly panel, a comparison, an ABC-SMC posterior and a sweep.  `ncdump -t` runs when
netCDF's ncdump is installed, otherwise that test is skipped and the NC_CHAR
condition ncdump needs is checked directly on the attribute types."""
import ctypes
import ctypes.util
import re
import shutil
import subprocess

import h5py
import pytest

CF_TEXT = ("units", "calendar", "standard_name", "long_name", "axis", "Conventions",
           "title", "history", "source", "institution", "references", "currency",
           "units_label")

# UDUNITS-2 names (and plurals UDUNITS accepts) neobay's files may use.
UDUNITS_NAMES = {"1", "percent", "month", "months", "year", "years", "yr", "a",
                 "common_year", "day", "days", "d", "hour", "hours", "h", "minute",
                 "minutes", "min", "second", "seconds", "s", "week", "weeks"}
NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
FACTOR = re.compile(rf"^(?:{NUMBER}|(?P<name>[A-Za-z_%][A-Za-z_]*)(?:\^?-?\d+|\*\*-?\d+)?)$")
SINCE = re.compile(r"^(?P<u>\w+) since \d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?( ?(UTC|Z))?$")


def udunits_grammar(s):
    """True when s is a UDUNITS-2 unit string (see the module docstring)."""
    s = s.strip()
    if not s:
        return False
    m = SINCE.match(s)
    if m:
        return m.group("u") in UDUNITS_NAMES - {"1", "percent"}
    for part in re.split(r"/", s):
        factors = [f for f in re.split(r"[ .*]+(?!\*)", part.replace("**", "^")) if f]
        if not factors:
            return False
        for f in factors:
            m = FACTOR.match(f)
            if not m or (m.group("name") and m.group("name") not in UDUNITS_NAMES):
                return False
    return True


def udunits_parser():
    """A function str -> bool backed by libudunits2, or None when it is absent."""
    name = ctypes.util.find_library("udunits2")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    lib.ut_read_xml.restype = ctypes.c_void_p
    lib.ut_read_xml.argtypes = [ctypes.c_char_p]
    lib.ut_parse.restype = ctypes.c_void_p
    lib.ut_parse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.ut_set_error_message_handler(lib.ut_ignore)
    system = lib.ut_read_xml(None)
    if not system:
        return None
    return lambda s: bool(lib.ut_parse(system, s.encode(), 0))     # 0: UT_ASCII


def test_grammar_accepts_and_refuses():
    for ok in ("1", "1/month", "1/year", "days since 1970-01-01", "month-1", "1e8",
               "months", "percent"):
        assert udunits_grammar(ok), ok
    for bad in ("firms", "RMB", "probability", "RMB/month", "per 亿/month", "x", "",
                "RMB per additional unicorn", "the metric's units"):
        assert not udunits_grammar(bad), bad


@pytest.fixture(scope="module")
def files(neobay, root, tmp_path_factory):
    import test_calibrate as tc
    d = tmp_path_factory.mktemp("cf")
    run, pol, imp = d / "run.h5", d / "pol.h5", d / "impact.h5"
    post, sweep = d / "post.h5", d / "sweep.h5"
    (d / "base.yaml").write_text(tc.BASE)
    (d / "targets.yaml").write_text(tc.TARGETS)
    (d / "cal.yaml").write_text(tc.CAL.replace("{particles}", "40").replace("{generations}", "2"))
    for args, cwd in ((["run", "scenarios/sweeps/base-short.yaml", "-r", "3", "-q", "-o", run,
                        "--panel", "yearly"], root),
                      (["run", "scenarios/sweeps/base-short.yaml", "-r", "3", "-q", "-o", pol,
                        "--set", "policy.poc_budget=2000万"], root),
                      (["compare", run, pol, "-o", imp], root),
                      (["calibrate", "cal.yaml", "-q", "-o", post], d),
                      (["sweep", "scenarios/sweeps/small.yaml", "-q", "-o", sweep], root)):
        r = subprocess.run([neobay, *map(str, args)], cwd=cwd, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    return {"run": run, "impact": imp, "posterior": post, "sweep": sweep}


def all_attrs(path):
    """(object name, attribute name, value, is variable-length) for every attribute."""
    out = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            for a in obj.attrs:
                if a in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
                    continue
                t = obj.attrs.get_id(a).get_type()
                v = obj.attrs[a]
                if isinstance(v, bytes):
                    v = v.decode()
                vlen = isinstance(t, h5py.h5t.TypeStringID) and t.is_variable_str()
                out.append((name or "/", a, v, vlen))
        visit("", f)
        f.visititems(visit)
    return out


KINDS = ["run", "impact", "posterior", "sweep"]


def test_udunits_is_installed():
    parse = udunits_parser()
    assert parse, "libudunits2 is missing: tools/deps.sh installs udunits-bin and libudunits2-dev"
    for ok in ("1", "1/month", "days since 1970-01-01", "percent"):
        assert parse(ok), ok
    for bad in ("RMB", "firms", "see unit(parameter)", "per 亿/month"):
        assert not parse(bad), bad


@pytest.mark.parametrize("kind", KINDS)
def test_every_unit_parses(files, kind):
    parse = udunits_parser()
    assert parse, "libudunits2 is missing (tools/deps.sh installs it)"
    units = [(o, v) for o, a, v, _ in all_attrs(files[kind]) if a == "units"]
    assert len(units) > 10
    bad = [(o, v) for o, v in units if not (parse(str(v)) and udunits_grammar(str(v)))]
    assert not bad, f"unit strings UDUNITS cannot parse: {bad[:10]}"


def test_posterior_mixed_units_are_named(files):
    """Datasets whose rows have different units say where those units are."""
    with h5py.File(files["posterior"], "r") as f:
        for name in ("particles", "history_particles", "posterior_mean", "prior_min"):
            assert "units" not in f[name].attrs, name
            assert f[name].attrs["comment"] == b"units: see unit(parameter)", name
        for name in ("observed", "sd", "predictive"):
            assert f[name].attrs["comment"] == b"units: see units(target)", name
        assert f["unit"].shape == f["parameter"].shape


@pytest.mark.parametrize("kind", KINDS)
def test_cf_text_attributes_are_fixed_length(files, kind):
    vlen = [(o, a) for o, a, _, v in all_attrs(files[kind]) if a in CF_TEXT and v]
    assert not vlen, f"variable-length CF attributes (ncdump cannot read them as text): {vlen[:10]}"


def test_root_provenance_and_coordinates(files):
    with h5py.File(files["run"], "r") as f:
        for a in ("history", "source", "institution", "references", "Conventions", "title"):
            assert f.attrs[a], a
        assert b"neobay run" in f.attrs["history"]
        for name, ds in f.items():
            if isinstance(ds, h5py.Dataset) and ds.attrs.get("CLASS") == b"DIMENSION_SCALE" \
                    and ds.dtype.kind in "iuf":
                assert "units" in ds.attrs, name
        assert f["time"].attrs["units"] == b"days since 1970-01-01"
        assert f["firms"].attrs["units"] == b"1" and f["firms"].attrs["long_name"]
        assert f["revenue"].attrs["currency"] == b"CNY"
        assert f["p_hightech_1000"].attrs["units"] == b"1"


def test_cost_units_name_the_outcome(files):
    with h5py.File(files["impact"], "r") as f:
        for name, thing in (("cost_per_unicorn", "unicorn"), ("cost_per_listing", "listing"),
                            ("cost_per_firm", "surviving firm")):
            a = f[name].attrs
            assert a["units"] == b"1" and a["currency"] == b"CNY"
            assert a["units_label"].decode() == f"RMB per additional {thing}"
        assert f["extra_public_spend"].attrs["units_label"] == b"RMB"


@pytest.mark.skipif(not shutil.which("ncdump"), reason="netCDF's ncdump is not installed "
                    "(the NC_CHAR condition it needs is checked above)")
def test_ncdump_decodes_time(files):
    r = subprocess.run(["ncdump", "-t", "-v", "time", str(files["run"])],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert '"2024-07-01' in r.stdout or "2024-07-01" in r.stdout
    assert ':units = "days since 1970-01-01"' in r.stdout
