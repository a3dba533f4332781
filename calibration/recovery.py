#!/usr/bin/python3
"""Parameter recovery on the full calibration: does gnb-2024 find known values?

Takes "true" parameter values (by default the posterior means of a posterior file),
simulates the targets' statistics at them with a seed the calibration never uses,
writes a copy of targets.yaml whose fitted values are those synthetic observations
(ranges dropped, sds kept), calibrates on it with gnb-2024.yaml's settings, and
counts the true values inside their 90% posterior intervals.

    /usr/bin/python3 calibration/recovery.py calibration/gnb-2024.h5 [--seed 99]

Results are in calibration/README.md.  Runtime: one calibration (a few minutes).
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def wquantile(x, w, q):
    o = np.argsort(x)
    c = np.cumsum(w[o]) / w.sum()
    return x[o][min(np.searchsorted(c, q), len(x) - 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("posterior", help="posterior file whose means are the true values")
    ap.add_argument("--seed", type=int, default=99, help="seed of the synthetic data")
    ap.add_argument("--neobay", default=str(ROOT / "build" / "neobay"))
    ap.add_argument("--threads", default="0")
    a = ap.parse_args()

    with h5py.File(a.posterior) as f:
        names = [n.decode() for n in f["parameter"][()]]
        th, w = f["particles"][()], f["weights"][()]
    truth = {n: float((th[:, k] * w).sum() / w.sum()) for k, n in enumerate(names)}
    ints = {"init.firms", "init.valued_1e8", "init.valued_1e9", "init.listed", "init.hightech"}
    truth = {n: (round(v) if n in ints else v) for n, v in truth.items()}

    with tempfile.TemporaryDirectory(prefix="nb_recovery_") as tmp:
        tmp = pathlib.Path(tmp)
        cal = (HERE / "gnb-2024.yaml").read_text()
        cal = re.sub(r"^scenario: .*$", f"scenario: {HERE / 'start-2023-02.yaml'}", cal, flags=re.M)
        # 1. The statistics at the true values, with another seed and more replicates.
        probe = re.sub(r"^seed: .*$", f"seed: {a.seed}", cal, flags=re.M)
        probe = re.sub(r"^replicates: .*$", "replicates: 1", probe, flags=re.M)
        probe = re.sub(r"^targets: .*$", f"targets: {HERE / 'targets.yaml'}", probe, flags=re.M)
        (tmp / "probe.yaml").write_text(probe)
        sets = sum((["--set", f"{n}={v!r}"] for n, v in truth.items()), [])
        r = subprocess.run([a.neobay, "calibrate", "check", str(tmp / "probe.yaml"), *sets],
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(r.stderr)
        sim = {}
        for line in r.stdout.splitlines():
            m = re.match(r"^(\S+)\s+\S+\s+(\S+)\s+\S+\s+\S", line)
            if m and m.group(1) not in ("target", "calibration", "distance"):
                try:
                    sim[m.group(1)] = float(m.group(2))
                except ValueError:
                    pass
        # 2. targets.yaml with those values as the observations.
        out, tid = [], None
        for line in (HERE / "targets.yaml").read_text().splitlines():
            m = re.match(r"^  - id: (\S+)", line)
            if m:
                tid = m.group(1)
            if tid in sim and re.match(r"^    value: ", line):
                v = sim[tid]
                line = f"    value: {v!r}" if np.isfinite(v) else line
            if tid in sim and re.match(r"^    range: ", line):
                continue
            out.append(line)
        (tmp / "targets.yaml").write_text("\n".join(out) + "\n")
        (tmp / "cal.yaml").write_text(re.sub(r"^targets: .*$", "targets: targets.yaml", cal, flags=re.M))
        # 3. Calibrate on the synthetic data.
        r = subprocess.run([a.neobay, "calibrate", str(tmp / "cal.yaml"), "-o", str(tmp / "post.h5"),
                            "-q"] + (["-t", a.threads] if a.threads != "0" else []),
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(r.stderr)
        with h5py.File(tmp / "post.h5") as f:
            th, w = f["particles"][()], f["weights"][()]
            lo, hi = f["prior_min"][()], f["prior_max"][()]
    inside = 0
    print(f"{'parameter':30s} {'true':>11s} {'90% interval':>26s} {'width/prior':>11s}")
    for k, n in enumerate(names):
        q05, q95 = wquantile(th[:, k], w, 0.05), wquantile(th[:, k], w, 0.95)
        ok = q05 <= truth[n] <= q95
        inside += ok
        print(f"{n:30s} {truth[n]:11.4g} [{q05:11.4g}, {q95:11.4g}] {(q95 - q05) / (hi[k] - lo[k]):11.2f}"
              f"{'' if ok else '  MISSED'}")
    print(f"{inside} of {len(names)} true values inside their 90% posterior intervals")


if __name__ == "__main__":
    main()
