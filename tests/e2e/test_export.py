"""CSV export (issue 13, item 4): `neobay export FILE --csv DIR` for run, compare,
sweep and panel files as tidy long tables with units in the headers, and
`summary --year Y --metric M --csv`."""
import csv
import subprocess

import h5py
import numpy as np
import pytest


def sh(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def files(neobay, root, tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    base, pol, cmp_, sw = d / "base.h5", d / "pol.h5", d / "impact.h5", d / "sweep.h5"
    for args in (["run", "scenarios/sweeps/base-short.yaml", "-r", "3", "-q", "-o", base,
                  "--panel", "yearly"],
                 ["run", "scenarios/sweeps/base-short.yaml", "-r", "3", "-q", "-o", pol,
                  "--set", "policy.poc_budget=2000万"],
                 ["compare", base, pol, "-o", cmp_],
                 ["sweep", "scenarios/sweeps/small.yaml", "-q", "-o", sw]):
        r = sh([neobay, *map(str, args)], root)
        assert r.returncode == 0, r.stderr
    return {"run": base, "compare": cmp_, "sweep": sw, "dir": d}


def export(neobay, root, path, out):
    r = sh([neobay, "export", str(path), "--csv", str(out)], root)
    assert r.returncode == 0, r.stderr
    return out


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_run_series_long_with_units(neobay, root, files):
    out = export(neobay, root, files["run"], files["dir"] / "run-csv")
    t = rows(out / "firms.csv")
    assert t[0][:3] == ["metric", "replicate", "time"] and t[0][3].startswith("value [")
    assert t[0][3] == "value [firms]"        # the registry unit (units_label)
    with h5py.File(files["run"]) as f:
        v = f["firms"][()]
    assert len(t) - 1 == v.size
    # row order is C order: replicate 0 first, month by month, times as ISO dates
    assert t[1][0] == "firms" and t[1][1] == "0" and t[1][2] == "2024-07-01"
    assert float(t[2][3]) == pytest.approx(v[0, 1])
    q = rows(out / "firms_q.csv")
    assert q[0][:3] == ["metric", "quantile", "time"] and q[1][0] == "firms"
    ms = rows(out / "by_year.csv")
    assert ms[0][0] == "year [1]" and any(h.startswith("p_hightech_1000 [") for h in ms[0])
    assert (out / "history" / "firms.csv").exists()
    assert (out / "parameters" / "by_parameter.csv").exists()


def test_panel_table_decodes_codes(neobay, root, files):
    out = files["dir"] / "run-csv"
    t = rows(out / "panel" / "by_row.csv")
    head = t[0]
    sector = head.index("sector [1]") if "sector [1]" in head else [i for i, h in enumerate(head) if h.startswith("sector")][0]
    assert {r[sector] for r in t[1:]} <= {"energy", "robotics", "life_sciences", "ic_electronics",
                                          "ai_software", "advanced_materials"}
    assert (out / "events" / "rounds" / "by_row.csv").exists()


def test_compare_and_sweep_export(neobay, root, files):
    out = export(neobay, root, files["compare"], files["dir"] / "cmp-csv")
    sc = rows(out / "scalars.csv")
    assert sc[0] == ["name", "value", "units"]
    assert {r[0] for r in sc[1:]} >= {"cost_per_unicorn", "extra_public_spend"}
    assert rows(out / "firms_impact.csv")[0][:3] == ["metric", "replicate", "time"]
    out = export(neobay, root, files["sweep"], files["dir"] / "sweep-csv")
    t = rows(out / "firms_q.csv")
    assert t[0][:4] == ["metric", "point", "quantile", "time"], t[0]
    with h5py.File(files["sweep"]) as f:
        assert len(t) - 1 == f["firms_q"].size


def test_export_bad_input_exit_2(neobay, root, tmp_path):
    bad = tmp_path / "x.h5"
    bad.write_text("not hdf5")
    r = sh([neobay, "export", str(bad), "--csv", str(tmp_path / "o")], root)
    assert r.returncode == 2 and str(bad) in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = sh([neobay, "export", str(bad)], root)
    assert r.returncode == 2 and "--csv" in r.stderr


def test_summary_csv_year_metric(neobay, root, files):
    r = sh([neobay, "summary", str(files["run"]), "--year", "2025", "--metric", "firms",
            "--metric", "unicorns", "--csv"], root)
    assert r.returncode == 0, r.stderr
    t = list(csv.reader(r.stdout.splitlines()))
    assert t[0] == ["metric", "time", "quantile", "value", "units"]
    assert [(x[0], x[1], x[2]) for x in t[1:]] == [
        (m, "2025-12-01", q) for m in ("firms", "unicorns") for q in ("0.05", "0.5", "0.95")]
    with h5py.File(files["run"]) as f:
        days = f["time"][()]
        k = int(np.nonzero(days == (np.datetime64("2025-12-01") - np.datetime64("1970-01-01")).astype(int))[0][0])
        qi = list(f["quantile"][()]).index(0.5)
        assert float(t[2][3]) == pytest.approx(f["firms_q"][qi, k])
        # the registry unit, as export's headers give it (not CF's "1")
        assert {x[4] for x in t[1:]} == {f["firms"].attrs["units_label"].decode()} == {"firms"}


@pytest.mark.parametrize("args,msg", [(["--year", "2040"], "--year 2040"),
                                      (["--metric", "frims"], "--metric frims")])
def test_summary_bad_choice_exit_2(neobay, root, files, args, msg):
    r = sh([neobay, "summary", str(files["run"]), *args], root)
    assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1
