"""Open neobay's results files as labelled xarray / pandas objects.

    open_run(path)          a run file (`neobay run`): xarray.Dataset with dims
                            replicate, time (datetimes), quantile, year[, horizon]
    open_compare(path)      an impact file (`neobay compare`): <metric>_impact(replicate,
                            time), <metric>_impact_q(quantile, time), cost_per_* scalars
    compare_runs(base, pol) the same Dataset computed from two opened run files paired
                            by replicate (when no impact file was written)
    open_sweep(path)        a sweep file (`neobay sweep`): design(point, factor),
                            <metric>_mean(point, time), <metric>_q(point, quantile, time)
    open_sensitivity(path)  its /sensitivity group (`neobay sensitivity`)
    open_posterior(path)    a calibration posterior (`neobay calibrate`): a Posterior
                            with .particles (pandas DataFrame, one column a parameter),
                            .weights, .fit (DataFrame, one row a target) and .ds
    metric_attrs(ds, m)     metric m's long_name / long_name_zh as any of these carries
                            them (what figure labels are made of)

Every function reads the whole file before returning, so a file that is missing, not
HDF5, damaged, from an older neobay or of another kind raises NeobayFileError, whose
message is one line naming the file and what is wrong -- never a traceback from h5py
or xarray half-way through a figure.
"""
import os
import re

import numpy as np

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

# Milestones computed from replicates when a file has no p_<name>(year): name ->
# (metric, threshold).  Those a run file carries are read from it.
MILESTONES = {
    "alliance_300yi": ("alliance_committed", 3e10),
    "hightech_1000": ("hightech", 1000.0),
    "revenue_1000yi": ("revenue", 1e11),
    "valuation_1wanyi": ("valuation", 1e12),
}


# Called with each path before it is opened (tools/figures.py uses it to name the
# file when the HDF5 library itself crashes on a damaged one).
on_open = None


class NeobayFileError(Exception):
    """A results file that cannot be used.  str(error) is one line: 'PATH: problem'."""

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = " ".join(str(problem).split())      # one line
        super().__init__(f"{self.path}: {self.problem}")


# ---- low level ----------------------------------------------------------------------

def _imports():
    """xarray and h5py, imported on first use (a clear message if Debian's are missing)."""
    try:
        import h5py
        import xarray
    except ImportError as e:          # pragma: no cover - depends on the machine
        raise NeobayFileError("neobay_py", f"cannot import {e.name}: use Debian's "
                              "/usr/bin/python3 with python3-h5py, python3-xarray, "
                              "python3-h5netcdf (tools/deps.sh installs them)") from None
    return h5py, xarray


def _h5(path):
    """Open path with h5py, read-only; NeobayFileError when it cannot be."""
    h5py, _ = _imports()
    path = os.fspath(path)
    if on_open is not None:
        on_open(path)
    if not os.path.exists(path):
        raise NeobayFileError(path, "no such file")
    if os.path.isdir(path):
        raise NeobayFileError(path, "is a directory, not a results file")
    try:
        if not h5py.is_hdf5(path):
            raise NeobayFileError(path, "not an HDF5 file (damaged, truncated, or not a "
                                  "neobay results file)")
        return h5py.File(path, "r")
    except NeobayFileError:
        raise
    except Exception as e:          # h5py raises OSError, sometimes others
        raise NeobayFileError(path, f"damaged HDF5 file, cannot be opened ({_reason(e)})") from None


class _checking:
    """`with _checking(path) as f:` -- the file open with h5py; any failure inside the
    block other than a NeobayFileError (HDF5 errors from a damaged file surface as
    KeyError, OSError, RuntimeError ...) becomes a NeobayFileError naming the file."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.f = _h5(self.path)
        return self.f

    def __exit__(self, et, e, tb):
        try:
            self.f.close()
        except Exception:
            pass
        if e is None or isinstance(e, NeobayFileError) or not isinstance(e, Exception):
            return False
        raise NeobayFileError(self.path, f"damaged HDF5 file ({_reason(e)})") from None


def _reason(e):
    """A short, one-line reason from an h5py / xarray exception."""
    s = " ".join(str(e).split()) or type(e).__name__
    s = re.sub(r"\(file read failed:.*", "(read failed)", s)
    return s[:160]


def _attr(obj, name, default=None):
    v = obj.attrs.get(name, default)
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.item()
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
    return v


def kind_of(f):
    """What kind of neobay file an open h5py.File is: 'run', 'compare', 'sweep',
    'posterior' or None (not neobay's, or unknown)."""
    keys = set(f.keys())
    if any(k.endswith("_impact") for k in keys) or "policy_file" in f.attrs:
        return "compare"
    if "point" in keys and ("design" in f.attrs or "design" in keys or "design_unit" in keys):
        return "sweep"
    if "particles" in keys or "particle" in keys or "calibration_name" in f.attrs:
        return "posterior"
    if "replicate" in keys and "time" in keys:
        return "run"
    return None


_WHAT = {"run": "a run file (neobay run)", "compare": "an impact file (neobay compare)",
         "sweep": "a sweep file (neobay sweep)",
         "posterior": "a calibration posterior (neobay calibrate)"}


def _check_kind(path, f, want):
    """Raise a helpful NeobayFileError when f is not a neobay file of kind `want`."""
    got = kind_of(f)
    if got == want:
        return
    if got is not None:
        raise NeobayFileError(path, f"this is {_WHAT[got]}, not {_WHAT[want]}")
    if "neobay_version" not in f.attrs:
        raise NeobayFileError(path, f"not a neobay results file (no 'neobay_version' "
                              f"attribute); expected {_WHAT[want]}")
    raise NeobayFileError(path, f"not {_WHAT[want]}: written by neobay "
                          f"{_version(f)}, it lacks what such a file has")


def _version(f):
    v = _attr(f, "neobay_version", "?")
    c = _attr(f, "git_commit", None)
    return f"{v} ({c})" if c else str(v)


def _older(path, f, missing):
    """The error for a neobay file that lacks `missing` (a list of names)."""
    if "neobay_version" not in f.attrs:
        raise NeobayFileError(path, "no 'neobay_version' attribute: not written by this "
                              "neobay (an older version or another program)")
    miss = ", ".join(f"'{m}'" for m in missing[:6]) + (" ..." if len(missing) > 6 else "")
    raise NeobayFileError(path, f"written by neobay {_version(f)}, it lacks {miss}: "
                          f"probably an older neobay's file; rewrite it with this build")


def _dims_of(ds):
    """Named dimensions: xarray calls axes without a dimension scale phony_dim_N."""
    return [d for d in ds.dims if str(d).startswith("phony_dim")]


def _xr(path, group=None):
    """The whole group (root: None) as an in-memory xarray.Dataset."""
    _, xr = _imports()
    try:
        with xr.open_dataset(os.fspath(path), engine="h5netcdf", group=group) as ds:
            ds = ds.load()
    except NeobayFileError:
        raise
    except Exception as e:
        where = f"group '/{group}'" if group else "its contents"
        raise NeobayFileError(path, f"damaged or unreadable: cannot read {where} "
                              f"({_reason(e)})") from None
    phony = _dims_of(ds)
    if phony:
        raise NeobayFileError(path, f"axes without dimension scales ({', '.join(map(str, phony[:3]))}): "
                              "not written by this neobay; rewrite it with this build")
    ds.attrs["neobay_file"] = os.fspath(path)
    return ds


def _read_all(path, g):
    """Read every dataset directly in group g once, so damage shows now, naming the
    dataset, not inside a figure.  (Subgroups -- /parameters, /panel, /events -- are
    read only when asked for.)"""
    h5py, _ = _imports()
    try:
        items = [(k, g[k]) for k in g.keys()]
    except Exception as e:
        raise NeobayFileError(path, f"damaged HDF5 file ({_reason(e)})") from None
    for name, obj in items:
        if not isinstance(obj, h5py.Dataset):
            continue
        try:
            obj[()]
        except Exception as e:
            raise NeobayFileError(path, f"damaged HDF5 file: dataset '{name}' cannot be "
                                  f"read ({_reason(e)})") from None


# ---- run files ----------------------------------------------------------------------

def scenario_info(ds):
    """(name, title, title_zh) of the scenario a run file was made from: its
    attributes, else the resolved scenario text it carries, else the file name."""
    name = str(ds.attrs.get("scenario_name") or "")
    yaml = str(ds.attrs.get("scenario_yaml") or "")

    def key(k):
        m = re.search(rf'^{k}:\s*"?(.*?)"?\s*(#.*)?$', yaml, re.M)
        return m.group(1) if m else ""
    if not name:
        name = key("name")
    if not name:
        m = re.search(r"scenario '([^']+)'", yaml)
        name = m.group(1) if m else ""
    if not name:
        src = ds.attrs.get("neobay_file") or ""
        name = os.path.splitext(os.path.basename(str(src)))[0]
    return name, key("title"), key("title_zh")


def open_run(path):
    """A run file as an xarray.Dataset (in memory).  Metrics are variables over
    (replicate, time); <metric>_q over (quantile, time); p_<milestone> over year.
    Attributes of the file are ds.attrs, plus 'neobay_file' (the path) and
    'scenario' (the scenario's name)."""
    with _checking(path) as f:
        _check_kind(path, f, "run")
        missing = [k for k in ("time", "replicate") if k not in f]
        if "neobay_version" not in f.attrs:
            missing.append("neobay_version")
        nrep = f["replicate"].shape[0] if not missing else -1
        metrics = [k for k in f if getattr(f[k], "ndim", 0) == 2 and f[k].shape[0] == nrep]
        if not missing and "firms" not in f:
            missing.append("firms")
        if missing:
            _older(path, f, missing)
        if not metrics:
            _older(path, f, ["metrics over (replicate, time)"])
        _read_all(path, f)
    ds = _xr(path)
    if "time" not in ds.dims or "replicate" not in ds.dims:
        raise NeobayFileError(path, "no 'time' and 'replicate' dimensions: not written "
                              "by this neobay")
    if not np.issubdtype(ds["time"].dtype, np.datetime64):
        raise NeobayFileError(path, "its 'time' axis is not CF time (days since "
                              "1970-01-01): not written by this neobay")
    ds.attrs["scenario"] = scenario_info(ds)[0]
    ds.attrs["neobay_kind"] = "run"
    return ds


def plain_run_problem(path, scenario):
    """Why the run file at `path` is not a plain run of scenarios/<scenario>.yaml
    (another scenario, or made with --set overrides), or None when it is one.  A
    notebook that keeps an existing file checks it with this first, so a variant
    written over output/baseline.h5 is never shown as the baseline."""
    with _checking(path) as f:
        name = str(_attr(f, "scenario_name", "") or "")
        overrides = str(_attr(f, "overrides", "") or "")
    if name != scenario:
        return f"{path} holds scenario '{name}', not '{scenario}'"
    if overrides:
        return f"{path} is a variant of '{scenario}' (--set {overrides})"
    return None


def open_parameters(path):
    """The /parameters group of a run file as a pandas DataFrame indexed by parameter
    name (unit, default, min, max, description, source, and the value at the first
    month)."""
    with _checking(path) as f:
        _check_kind(path, f, "run")
        if "parameters" not in f:
            _older(path, f, ["/parameters"])
    ds = _xr(path, "parameters")
    cols = [v for v in ds.data_vars if ds[v].dims == ("parameter",)]
    df = ds[cols].to_dataframe()
    if "value" in ds:
        df["value"] = ds["value"].isel(time=0).values
    return df


def _fail(ds, problem):
    raise NeobayFileError(ds.attrs.get("neobay_file", "<dataset>"), problem)


def quantiles(ds, metric, levels=QUANTILES):
    """The quantiles of metric over replicates, DataArray(quantile, time): the file's
    <metric>_q when it has every level asked for, else computed from the replicates
    (linear interpolation, as neobay does).  NeobayFileError when neither is there."""
    levels = [float(x) for x in levels]
    q = ds.get(f"{metric}_q")
    if q is not None and "quantile" in q.dims:
        have = [float(x) for x in q["quantile"].values]
        if all(any(abs(h - x) < 1e-9 for h in have) for x in levels):
            idx = [min(range(len(have)), key=lambda i: abs(have[i] - x)) for x in levels]
            out = q.isel(quantile=idx)
            return out.assign_coords(quantile=levels)
    v = ds.get(metric)
    if v is None or "replicate" not in v.dims:
        _fail(ds, f"has neither '{metric}_q' nor '{metric}' over replicates")
    out = v.quantile(levels, dim="replicate")
    out.attrs.update(v.attrs)
    return out


def milestone(ds, name="alliance_300yi"):
    """Probability by year (DataArray over year) that milestone `name` has been
    reached by December of the year: the file's p_<name>, else computed from the
    replicates of its metric (MILESTONES)."""
    p = ds.get(f"p_{name}")
    if p is not None and "year" in p.dims:
        return p
    if name not in MILESTONES:
        _fail(ds, f"has no milestone 'p_{name}'")
    metric, thr = MILESTONES[name]
    v = ds.get(metric)
    if v is None or "replicate" not in v.dims:
        _fail(ds, f"has neither 'p_{name}' nor '{metric}' over replicates")
    import xarray as xr
    reached = (v >= thr).cumsum("time") > 0
    years = np.unique(v["time"].dt.year.values)
    vals = []
    for y in years:
        sel = reached.where(reached["time"].dt.year <= y, drop=True)
        vals.append(float(sel.isel(time=-1).mean("replicate")))
    return xr.DataArray(np.array(vals), coords={"year": years}, dims="year",
                        name=f"p_{name}",
                        attrs={"units": "1", "metric": metric, "threshold": thr,
                               "long_name": f"{metric} >= {thr:g}"})


# ---- metric labels ------------------------------------------------------------------

# How `neobay compare` (analysis/compare.c, w_impact_attrs) words the labels of
# <metric>_impact from the metric's own long_name / long_name_zh.
_IMPACT_EN = re.compile(r"^Impact on (.*) \(policy - base\)$", re.S)
_IMPACT_ZH = "政策效应:"


def _text(v):
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.size == 1:
        v = _text(v.item())
    return "" if v is None else str(v)


def metric_attrs(ds, metric):
    """{'long_name': ..., 'long_name_zh': ...} of `metric` as the opened file (ds)
    carries them -- the text of model/metrics.def that neobay writes on each metric's
    variables: <metric> or <metric>_q of a run file, <metric>_mean or <metric>_q of a
    sweep file, <metric>_impact(_q) of an impact file (whose labels say "Impact on
    <long_name> (policy - base)" / "政策效应:<long_name_zh>": the metric's own labels
    are taken out of them), the labels open_sensitivity read from the sweep file for a
    sensitivity group.  Empty strings when the file has none."""
    labels = (ds.attrs.get("metric_labels") or {}).get(str(metric))
    if labels:
        return {"long_name": _text(labels.get("long_name")),
                "long_name_zh": _text(labels.get("long_name_zh"))}
    for var, impact in ((metric, False), (f"{metric}_q", False), (f"{metric}_mean", False),
                        (f"{metric}_impact", True), (f"{metric}_impact_q", True)):
        if var not in ds:
            continue
        a = ds[var].attrs
        en, zh = _text(a.get("long_name")), _text(a.get("long_name_zh"))
        if impact and a.get("metric_long_name") is not None:     # written by compare
            return {"long_name": _text(a.get("metric_long_name")),
                    "long_name_zh": _text(a.get("metric_long_name_zh"))}
        if not en and not zh:
            continue
        if impact:              # older files: take them out of compare's wording
            m = _IMPACT_EN.match(en)
            en = m.group(1) if m else en
            zh = zh[len(_IMPACT_ZH):] if zh.startswith(_IMPACT_ZH) else zh
        return {"long_name": en, "long_name_zh": zh}
    return {"long_name": "", "long_name_zh": ""}


# ---- impact files -------------------------------------------------------------------

COSTS = (("cost_per_unicorn", "unicorns"), ("cost_per_listing", "listed"),
         ("cost_per_firm", "firms"))


def open_compare(path):
    """An impact file (neobay compare) as an xarray.Dataset: <metric>_impact over
    (replicate, time), <metric>_impact_q over (quantile, time), the scalar
    extra_public_spend and cost_per_unicorn / cost_per_listing / cost_per_firm (RMB;
    NaN when the impact's 90% interval includes zero).  attrs base_scenario and
    policy_scenario name the two runs."""
    with _checking(path) as f:
        _check_kind(path, f, "compare")
        impacts = [k for k in f if k.endswith("_impact")]
        missing = [k for k in ("time", "replicate") if k not in f]
        if not impacts:
            missing.append("<metric>_impact")
        if missing:
            _older(path, f, missing)
        _read_all(path, f)
    ds = _xr(path)
    for k in ("base_scenario", "policy_scenario"):
        if not ds.attrs.get(k):
            src = ds.attrs.get(k.replace("scenario", "file"), "")
            ds.attrs[k] = os.path.splitext(os.path.basename(str(src)))[0] if src else "?"
    ds.attrs["neobay_kind"] = "compare"
    return ds


def _t95(df):
    """The 95% quantile of Student's t with df degrees of freedom (two-sided 90%):
    scipy's where it is installed, else the Cornish-Fisher expansion (Abramowitz &
    Stegun 26.7.5), accurate to ~1e-5 for df >= 5."""
    try:
        from scipy.stats import t
        return float(t.ppf(0.95, df))
    except ImportError:
        z = 1.6448536269514722
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
        return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def compare_runs(base, policy):
    """The impact of `policy` against `base` (two opened run files) paired by
    replicate, as open_compare returns it: what `neobay compare` computes, for when
    no impact file was written.  NeobayFileError when the runs cannot be paired
    (another seed, replicate count, start or length)."""
    import xarray as xr
    bp, pp = base.attrs.get("neobay_file", "base"), policy.attrs.get("neobay_file", "policy")
    for what in ("seed", "replicates", "start"):
        a, b = base.attrs.get(what), policy.attrs.get(what)
        if a is not None and b is not None and str(a) != str(b):
            raise NeobayFileError(pp, f"cannot be paired with {bp}: {what} {b} vs {a}")
    if base.sizes["replicate"] != policy.sizes["replicate"] or \
            base.sizes["time"] != policy.sizes["time"]:
        raise NeobayFileError(pp, f"cannot be paired with {bp}: replicates x months "
                              f"{policy.sizes['replicate']}x{policy.sizes['time']} vs "
                              f"{base.sizes['replicate']}x{base.sizes['time']}")
    out = xr.Dataset(coords={"time": base["time"], "replicate": base["replicate"],
                             "quantile": list(QUANTILES)})
    for name, v in base.data_vars.items():
        if v.dims != ("replicate", "time") or name not in policy:
            continue
        d = policy[name].values - v.values
        out[f"{name}_impact"] = (("replicate", "time"), d, dict(v.attrs))
        out[f"{name}_impact_q"] = (("quantile", "time"),
                                   np.quantile(d, QUANTILES, axis=0), dict(v.attrs))
    if "public_spend_impact" in out:
        spend = float(out["public_spend_impact"].sum("time").mean("replicate"))
        out["extra_public_spend"] = ((), spend, {"units": "1", "units_label": "RMB",
                                                 "currency": "CNY"})
        for cost, metric in COSTS:
            if f"{metric}_impact" not in out:
                continue
            last = out[f"{metric}_impact"].isel(time=-1).values
            mean = float(last.mean())
            lo, hi = np.quantile(last, [0.05, 0.95])
            # as neobay compare: a cost only where the 90% confidence interval of the
            # mean impact (Student t, n - 1 degrees of freedom) lies above zero
            n = last.size
            half = (_t95(n - 1) * float(last.std(ddof=1)) / np.sqrt(n)) if n > 1 else float("inf")
            per = spend / mean if (mean - half > 0 and mean > 0) else float("nan")
            out[cost] = ((), per, {"units": "1", "currency": "CNY",
                                   "units_label": "RMB per additional " + metric.rstrip("s"),
                                   "impact_mean": mean,
                                   "impact_q05": float(lo), "impact_q95": float(hi)})
    out.attrs.update({"base_scenario": base.attrs.get("scenario") or scenario_info(base)[0],
                      "policy_scenario": policy.attrs.get("scenario") or scenario_info(policy)[0],
                      "base_file": str(bp), "policy_file": str(pp),
                      "neobay_file": f"{pp} - {bp}", "neobay_kind": "compare"})
    return out


def impact_quantiles(cmp, metric, levels=QUANTILES):
    """Quantiles of the impact on metric, DataArray(quantile, time)."""
    q = cmp.get(f"{metric}_impact_q")
    if q is not None:
        have = [float(x) for x in q["quantile"].values]
        if all(any(abs(h - x) < 1e-9 for h in have) for x in levels):
            idx = [min(range(len(have)), key=lambda i: abs(have[i] - x)) for x in levels]
            return q.isel(quantile=idx).assign_coords(quantile=list(levels))
    v = cmp.get(f"{metric}_impact")
    if v is None:
        _fail(cmp, f"has no impact on '{metric}' ('{metric}_impact')")
    return v.quantile(list(levels), dim="replicate")


# ---- sweep files --------------------------------------------------------------------

def open_sweep(path):
    """A sweep file (neobay sweep) as an xarray.Dataset over point, factor, quantile,
    time: design(point, factor) in parameter units (or design_unit on [0, 1]),
    <metric>_mean(point, time), <metric>_q(point, quantile, time).  The /sensitivity
    group, when there, is read by open_sensitivity."""
    with _checking(path) as f:
        _check_kind(path, f, "sweep")
        missing = [k for k in ("point", "factor", "time") if k not in f]
        if "design" not in f and "design_unit" not in f:
            missing.append("design")
        if not any(k.endswith("_mean") for k in f):
            missing.append("<metric>_mean")
        if missing:
            _older(path, f, missing)
        _read_all(path, f)
        has_sens = "sensitivity" in f
    ds = _xr(path)
    ds.attrs["neobay_kind"] = "sweep"
    ds.attrs["has_sensitivity"] = int(has_sens)
    return ds


def open_sensitivity(path):
    """The /sensitivity group of a sweep file (neobay sensitivity) as an
    xarray.Dataset over factor, metric, year (December of it) and bound (lo, hi): S1, ST and
    their intervals for a Sobol analysis, mu_star, mu, sigma for a Morris one.
    attrs['metric_labels'] maps each metric to its long_name / long_name_zh, read from
    the sweep's <metric>_mean in the same file (the group itself carries only the
    metric names)."""
    with _checking(path) as f:
        _check_kind(path, f, "sweep")
        if "sensitivity" not in f:
            raise NeobayFileError(path, "has no /sensitivity group: run `neobay "
                                  "sensitivity` on it first")
        g = f["sensitivity"]
        if not (("S1" in g and "ST" in g) or "mu_star" in g) or "factor" not in g:
            _older(path, f, ["/sensitivity/S1, ST (or mu_star)"])
        if "metric" not in g or "year" not in g:
            _older(path, f, ["/sensitivity dimensions metric and year (older files pack "
                             "them as output = metric@year): rerun `neobay sensitivity`"])
        # the group names its metrics only; their labels are the sweep's own
        # <metric>_mean (or <metric>_q) attributes, in the same file
        labels = {}
        for m in _strings(g["metric"][()]):
            for var in (f"{m}_mean", f"{m}_q"):
                if var in f:
                    labels[m] = {"long_name": _text(f[var].attrs.get("long_name")),
                                 "long_name_zh": _text(f[var].attrs.get("long_name_zh"))}
                    break
    ds = _xr(path, "sensitivity")
    ds.attrs["neobay_file"] = os.fspath(path)
    ds.attrs["metric_labels"] = labels      # metric -> {long_name, long_name_zh}
    return ds


# ---- calibration posteriors ---------------------------------------------------------

class Posterior:
    """A calibration posterior (neobay calibrate).
    particles  DataFrame (particle x parameter) of the last generation, parameter units
    weights    numpy array over particles, summing to 1
    priors     DataFrame indexed by parameter: min, max, log (and unit, nuisance when
               the file has them), or None
    fit        DataFrame indexed by target: observed, observed_lo, observed_hi, median,
               lo, hi (the weighted posterior-predictive median and 90% interval, as
               `neobay calibrate report` computes them), within (bool), units, figure,
               or None when the file has no posterior predictive
    history    DataFrame indexed by generation (tolerance, acceptance_rate, ess, ...)
    ds         the root as an xarray.Dataset"""

    def __init__(self, path, ds, particles, weights, fit, priors, history):
        self.path, self.ds = os.fspath(path), ds
        self.particles, self.weights, self.fit = particles, weights, fit
        self.priors, self.history = priors, history

    def __repr__(self):
        return (f"Posterior({self.path!r}: {len(self.particles)} particles x "
                f"{self.particles.shape[1]} parameters"
                + (f", {len(self.fit)} targets" if self.fit is not None else "") + ")")


def _strings(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in np.asarray(a).ravel()]


def wquantile(x, w, q):
    """Weighted quantile q of x with weights w, NaNs and zero weights skipped: the
    definition `neobay calibrate report` uses (nb_wquantile)."""
    x = np.asarray(x, dtype=float).ravel()
    w = np.asarray(w, dtype=float).ravel()
    keep = ~np.isnan(x) & (w > 0)
    x, w = x[keep], w[keep]
    if not len(x):
        return float("nan")
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    tot = w.sum()
    target = q * tot
    cum = 0.0
    for i in range(len(x)):
        cum += w[i]
        if abs(cum - target) <= 1e-12 * tot and i + 1 < len(x):
            return 0.5 * (x[i] + x[i + 1])
        if cum > target:
            return float(x[i])
    return float(x[-1])


def open_posterior(path):
    """A calibration posterior file (neobay calibrate) as a Posterior (see its doc)."""
    import pandas as pd
    with _checking(path) as f:
        _check_kind(path, f, "posterior")
        missing = [k for k in ("particles", "parameter", "particle") if k not in f]
        if missing:
            _older(path, f, missing)
        _read_all(path, f)
    ds = _xr(path)
    pv = ds["particles"]
    if "generation" in pv.dims:
        pv = pv.isel(generation=-1)
    if set(pv.dims) != {"particle", "parameter"}:
        _fail(ds, f"'particles' has dims {pv.dims}: expected (particle, parameter)")
    pv = pv.transpose("particle", "parameter")
    names = _strings(ds["parameter"].values)
    particles = pd.DataFrame(pv.values, columns=names)
    particles.index.name = "particle"
    if "weights" in ds:
        w = np.asarray(ds["weights"].values, dtype=float).ravel()
        if w.size != len(particles) or not np.all(np.isfinite(w)) or w.sum() <= 0:
            _fail(ds, "its weights do not match its particles")
        w = w / w.sum()
    else:
        w = np.full(len(particles), 1.0 / max(len(particles), 1))
    priors = None
    if "prior_min" in ds and "prior_max" in ds:
        priors = pd.DataFrame({"min": ds["prior_min"].values.astype(float),
                               "max": ds["prior_max"].values.astype(float)}, index=names)
        for col, var, kind in (("log", "prior_log", bool), ("nuisance", "nuisance", bool),
                               ("unit", "unit", str), ("default", "registry_default", float),
                               ("description", "description", str)):
            if var in ds and ds[var].dims == ("parameter",):
                vals = ds[var].values
                priors[col] = _strings(vals) if kind is str else vals.astype(kind)
    fit = _fit_table(ds, w) if "target" in ds.dims else None
    history = None
    if "generation" in ds.dims:
        cols = {v: ds[v].values for v in ds.data_vars if ds[v].dims == ("generation",)}
        if cols:
            history = pd.DataFrame(cols, index=ds["generation"].values)
    return Posterior(path, ds, particles, w, fit, priors, history)


def _fit_table(ds, w):
    """The fit table from the posterior predictive (particle, predictive_replicate,
    target), each replicate of a particle weighted by the particle's weight."""
    import pandas as pd
    if "predictive" not in ds or "observed" not in ds:
        return None
    pred = ds["predictive"].transpose("particle", ..., "target")
    x = pred.values.reshape(pred.sizes["particle"], -1, pred.sizes["target"])
    reps = x.shape[1]
    ww = np.repeat(w, reps)
    ids = _strings(ds["target"].values)
    obs = ds["observed"].values.astype(float)
    lo_o = ds["observed_lo"].values.astype(float) if "observed_lo" in ds else obs
    hi_o = ds["observed_hi"].values.astype(float) if "observed_hi" in ds else obs
    rows = []
    for t in range(len(ids)):
        xt = x[:, :, t].ravel()
        med, q05, q95 = (wquantile(xt, ww, q) for q in (0.5, 0.05, 0.95))
        within = bool(np.isfinite(q05) and hi_o[t] >= q05 and lo_o[t] <= q95)
        rows.append((obs[t], lo_o[t], hi_o[t], med, q05, q95, within))
    df = pd.DataFrame(rows, index=ids, columns=["observed", "observed_lo", "observed_hi",
                                                  "median", "lo", "hi", "within"])
    df.index.name = "target"
    for col in ("units", "figure", "when", "statistic"):
        if col in ds and ds[col].dims == ("target",):
            df[col] = _strings(ds[col].values)
    return df
