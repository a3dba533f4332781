#!/usr/bin/python3
"""figures.py -- render neobay's standard figures to PNG, without Jupyter.

    /usr/bin/python3 tools/figures.py RUN.h5 [--compare IMPACT.h5 ...]
        [--policy-run POLICY.h5 ...] [--sweep SWEEP.h5] [--posterior POST.h5] -o DIR

RUN.h5 (a `neobay run` file) gives the projection figures; each --compare file (from
`neobay compare BASE POLICY -o IMPACT.h5`) one row of the policy-impact figure (or,
without impact files, each --policy-run file paired by replicate with RUN.h5 as the
base); --sweep a sensitivity tornado (when `neobay sensitivity` has been run on it)
and a response surface; --posterior the calibration fit and posterior marginals.

Exit codes: 0 success; 2 bad input (a missing, damaged, foreign or older-version
file, or a bad command line), with one line on stderr naming the file and what is
wrong; 1 anything else.
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PROG = "figures"

# name -> what it shows (the --only names and the PNG file names, DIR/<name>.png)
FIGURES = {
    "projection": "unicorns, gazelles, listed, >=1亿, >=10亿 firms, valuation (fan charts)",
    "projection-stages": "firms by stage and high-tech enterprises (fan charts)",
    "alliance": "fund alliance with the 300亿 line; probability by year of crossing it",
    "policy-impact": "impact of each policy with intervals; cost per unicorn/listing",
    "impact-over-time": "the first policy's impact over time",
    "sensitivity": "tornado of Sobol indices (or Morris mu*)",
    "response-surface": "a metric over two levers of the sweep",
    "calibration-fit": "the calibration fit table",
    "posterior": "posterior marginals",
}


def parse(argv):
    p = argparse.ArgumentParser(
        prog=PROG, description="Render neobay's standard figures to PNG (no Jupyter).",
        epilog="figures: " + "; ".join(FIGURES) + ".  Exit codes: 0 success, 2 bad input, "
               "1 anything else.")
    p.add_argument("run", nargs="?", metavar="RUN.h5", help="a run file (neobay run)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="directory for the PNGs (created)")
    p.add_argument("--compare", action="append", default=[], metavar="IMPACT.h5",
                   help="an impact file (neobay compare -o); repeatable")
    p.add_argument("--policy-run", action="append", default=[], metavar="POLICY.h5",
                   help="a policy run paired with RUN.h5 (when no impact file); repeatable")
    p.add_argument("--sweep", metavar="SWEEP.h5", help="a sweep file (neobay sweep)")
    p.add_argument("--posterior", metavar="POST.h5",
                   help="a calibration posterior (neobay calibrate)")
    p.add_argument("--levers", metavar="X,Y",
                   help="the two sweep factors of the response surface (default: first two)")
    p.add_argument("--metric", default="unicorns",
                   help="the metric of the response surface (default unicorns)")
    p.add_argument("--year", type=int, help="year (December) of the impact and surface "
                   "figures (default: the last month)")
    p.add_argument("--only", metavar="NAME,...",
                   help="only these figures (comma-separated names, see below)")
    p.add_argument("-q", "--quiet", action="store_true", help="do not list the files written")
    a = p.parse_args(argv)
    if not (a.run or a.compare or a.sweep or a.posterior):
        p.error("give at least one input: RUN.h5, --compare, --sweep or --posterior")
    if a.policy_run and not a.run:
        p.error("--policy-run needs RUN.h5 (the base it is paired with)")
    a.only = set(x.strip() for x in a.only.split(",") if x.strip()) if a.only else None
    if a.only:
        bad = sorted(a.only - set(FIGURES))
        if bad:
            p.error(f"unknown figure {bad[0]!r} in --only (known: {', '.join(FIGURES)})")
    if a.levers:
        a.levers = [x.strip() for x in a.levers.split(",")]
        if len(a.levers) != 2:
            p.error("--levers takes two factor names: X,Y")
    return a


def render(a):
    from neobay_py import figures as F
    from neobay_py import io
    os.makedirs(a.output, exist_ok=True)
    want = (lambda n: a.only is None or n in a.only)
    jobs = []                                  # (name, function producing the figure)
    if a.run:
        run = io.open_run(a.run)
        jobs += [("projection", lambda: F.fan_outcomes(run)),
                 ("projection-stages", lambda: F.fan_stages(run)),
                 ("alliance", lambda: F.alliance(run))]
    cmps = [io.open_compare(c) for c in a.compare]
    if not cmps and a.policy_run:
        cmps = [io.compare_runs(run, io.open_run(p)) for p in a.policy_run]
    if cmps:
        jobs += [("policy-impact", lambda: F.policy_impact(cmps, year=a.year)),
                 ("impact-over-time", lambda: F.impact_over_time(cmps[0]))]
    if a.sweep:
        sweep = io.open_sweep(a.sweep)
        if sweep.attrs.get("has_sensitivity"):
            sens = io.open_sensitivity(a.sweep)
            jobs.append(("sensitivity", lambda: F.tornado(sens)))
        elif a.only and "sensitivity" in a.only:
            io.open_sensitivity(a.sweep)       # raises: no /sensitivity group
        x, y = a.levers or (None, None)
        jobs.append(("response-surface",
                     lambda: F.response_surface(sweep, x, y, metric=a.metric, year=a.year)))
    if a.posterior:
        post = io.open_posterior(a.posterior)
        if post.fit is not None:
            jobs.append(("calibration-fit", lambda: F.fit_table(post)))
        jobs.append(("posterior", lambda: F.posterior_marginals(post)))
    written = []
    for name, make in jobs:
        if not want(name):
            continue
        path = os.path.join(a.output, name + ".png")
        tmp = os.path.join(a.output, f".{name}.png.part-{os.getpid()}")
        try:
            make().savefig(tmp, format="png", **F.SAVE)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(path)
        if not a.quiet:
            print(path)
    return written


def work(a, report):
    """render(a) with errors as one line on stderr; the exit code."""
    try:
        from neobay_py import io
    except ImportError as e:
        print(f"{PROG}: error: cannot import neobay_py ({e}); run with Debian's "
              "/usr/bin/python3 from the repository", file=sys.stderr)
        return 1
    io.on_open = report
    try:
        render(a)
    except io.NeobayFileError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as e:                      # one line, not a traceback
        if os.environ.get("NEOBAY_DEBUG"):
            raise
        msg = " ".join(str(e).split())[:300]
        print(f"{PROG}: error: {type(e).__name__}: {msg} (NEOBAY_DEBUG=1 shows the "
              "traceback)", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    """Parse, then do the work in a child process: the HDF5 library can crash (a
    segmentation fault) on some damaged files, and the parent then still reports the
    file in one line with exit code 2."""
    import signal
    a = parse(sys.argv[1:] if argv is None else argv)
    if os.environ.get("NEOBAY_DEBUG") or not hasattr(os, "fork"):
        return work(a, None)
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                # child
        os.close(r)

        def report(path):
            os.write(w, (os.fspath(path) + "\n").encode("utf-8", "replace"))
        rc = 1
        try:
            rc = work(a, report)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(rc)
    os.close(w)
    opened = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        opened += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    sig = os.WTERMSIG(status)
    if sig == signal.SIGINT:
        return 130
    files = opened.decode("utf-8", "replace").split()
    where = files[-1] if files else "an input file"
    name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else sig
    print(f"{PROG}: error: {where}: damaged HDF5 file (the HDF5 library crashed reading "
          f"it: {name})", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
