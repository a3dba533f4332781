"""The standard figures.  Each function takes opened data (neobay_py.io) and returns
a matplotlib Figure of a fixed size; save it with fig.savefig(path, **SAVE) for a
PNG that is the same, byte for byte, every time it is drawn from the same file.

    fan_stages(run)              firms by stage: fan charts, observed points marked
    fan_outcomes(run)            unicorns, gazelles, listed, >=1亿, >=10亿 firms, valuation
    alliance(run)                fund alliance with the 300亿 line, P(crossed) by year
    policy_impact(comparisons)   impacts of several policies with intervals, and the
                                 public money per additional unicorn / listing
    impact_over_time(comparison) one policy's impact as fan charts over time
    tornado(sensitivity)         Sobol S1 / ST with intervals (or Morris mu*)
    response_surface(sweep, x, y, metric)  a metric over two levers
    fit_table(posterior)         calibration fit: observed vs simulated, as a figure
    posterior_marginals(posterior)

Figures are built with matplotlib.figure.Figure, not pyplot: no display and no
backend are needed (batch use on a cluster); a notebook shows a returned figure
when it is a cell's last value.  Text is "English 中文" in a CJK font from Debian
(fonts-wqy-microhei or fonts-noto-cjk), found through matplotlib's font_manager.
"""
import math
import warnings

import numpy as np
import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib import dates as mdates
from matplotlib import ticker as mticker

from . import io as nio
from . import labels as L

DPI = 100
SIZE = (12.0, 6.75)            # inches: 1200 x 675 pixels at DPI
SIZE_TALL = (12.0, 8.0)        # 1200 x 800
# Keyword arguments of Figure.savefig for stable PNGs: no software version, fixed
# DPI, white background.  (Never bbox_inches="tight": it changes the size.)
SAVE = {"dpi": DPI, "metadata": {"Software": None}, "facecolor": "white"}

# Families tried in order: Simplified Chinese glyph forms first.
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC",
             "Source Han Sans SC", "Noto Sans SC", "Droid Sans Fallback",
             "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans CN", "AR PL UMing CN")
CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

COLORS = {"base": "#4d4d4d", "policy": "#c0392b", "fan": "#1f5f9f", "obs": "#111111",
          "target": "#d35400", "line": "#7f7f7f"}
CYCLE = ("#1f5f9f", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d",
         "#b8860b")

# Observed figures from /work/shared/brief/data.md: (metric, date, value, label).
OBSERVED = (
    ("firms", "2023-02-27", 3000, "Feb 2023: 3,000+ (Global Times)"),
    ("firms", "2024-07-01", 4000, "mid 2024: 4,000+ (source document)"),
    ("valued_1e8", "2024-07-01", 130, "mid 2024: 130"),
    ("valued_1e9", "2024-07-01", 38, "mid 2024: 38"),
    ("listed", "2024-07-01", 10, "mid 2024: 10"),
    ("hightech", "2024-07-01", 600, "mid 2024: 600+"),
)
# Plan targets (not observations): marked hollow.  (metric, date, value, label)
TARGETS = (
    ("hightech", "2023-12-31", 600, "end-2023 target ≥600"),
    ("hightech", "2025-12-31", 1000, "2025 target ≥1,000"),
    ("valuation", "2035-12-31", 1e12, "2035 target 1万亿"),
)
ALLIANCE_GOAL = 3e10          # 300亿 RMB (source document)

_font = None


def cjk_font():
    """The name of the CJK font family figures use, or None (with a warning) when
    none is installed: install fonts-wqy-microhei (tools/deps.sh does)."""
    global _font
    if _font is not None:
        return _font or None
    names = {f.name for f in font_manager.fontManager.ttflist}
    for cand in CJK_FONTS:
        if cand in names:
            _font = cand
            return _font
    import os
    for path in CJK_FILES:                  # a font installed after matplotlib's cache
        if os.path.exists(path):
            try:
                font_manager.fontManager.addfont(path)
                _font = font_manager.FontProperties(fname=path).get_name()
                return _font
            except Exception:
                pass
    _font = ""
    warnings.warn("neobay_py: no CJK font found (install fonts-wqy-microhei): Chinese "
                  "labels will show as boxes")
    return None


def use_style():
    """Set matplotlib's rcParams for neobay's figures (called on import)."""
    font = cjk_font()
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": ([font] if font else []) + ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 9.5,
        "axes.titlesize": 10.5,
        "axes.titleweight": "bold",
        "axes.labelsize": 9.5,
        "legend.fontsize": 8.5,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "grid.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "svg.hashsalt": "neobay",
        "path.simplify": False,
    }
    matplotlib.rcParams.update(rc)


use_style()


# ---- helpers ------------------------------------------------------------------------

def _figure(size=SIZE):
    return Figure(figsize=size, dpi=DPI, layout="constrained")


def _date(s):
    return np.datetime64(s)


def _money_scale(units):
    """(divisor, bilingual unit) for a metric's units: money in 亿元."""
    if units and str(units).startswith("RMB"):
        return 1e8, L.unit(str(units))
    return 1.0, L.unit(str(units or ""))


def _years_axis(ax, t0, t1):
    span = (t1 - t0).astype("timedelta64[D]").astype(int) / 365.25
    step = 1 if span <= 6 else 2
    ax.xaxis.set_major_locator(mdates.YearLocator(step))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.xaxis.set_minor_locator(mdates.YearLocator(1))


def _source(fig, text):
    """A small grey note under the figure (a supxlabel, so the layout makes room)."""
    fig.supxlabel(text, x=0.995, ha="right", fontsize=7, color="#666666")


def _metric_label(ds, metric, sep=" "):
    """The bilingual label of metric as the file (ds) gives it: its long_name and
    long_name_zh attributes (neobay_py.io.metric_attrs)."""
    return L.metric(metric, nio.metric_attrs(ds, metric), sep)


def _run_label(ds):
    name, title_en, title_zh = nio.scenario_info(ds)
    label = L.scenario(name, title_en, title_zh)
    if "posterior_draw" in ds:
        label += ", parameters from the posterior 参数取自后验"
    return label


def _footer(ds):
    n = ds.sizes.get("replicate", "?")
    return (f"neobay {ds.attrs.get('neobay_version', '?')}; {n} replicates 次模拟; "
            f"seed {ds.attrs.get('seed', '?')}")


def fan(ax, ds, metric, color=COLORS["fan"], observed=True, scale=None, label=True,
        xstart=None):
    """Draw metric's fan chart (median, 50% and 90% bands) on ax, with the observed
    points and plan targets of that metric when `observed`."""
    q = nio.quantiles(ds, metric)
    a = ds[metric].attrs if metric in ds else q.attrs
    units = a.get("units_label", a.get("units", ""))      # the registry unit ("firms", "RMB")
    div, ulab = scale if scale else _money_scale(units)
    t = q["time"].values
    v = q.values / div
    ax.fill_between(t, v[0], v[4], color=color, alpha=0.18, lw=0,
                    label=L.text("band90") if label else None)
    ax.fill_between(t, v[1], v[3], color=color, alpha=0.35, lw=0,
                    label=L.text("band50") if label else None)
    ax.plot(t, v[2], color=color, lw=1.8, label=L.text("median") if label else None)
    t0, t1 = t[0], t[-1]
    if observed:
        for m, d, val, _ in OBSERVED:
            if m == metric:
                ax.plot([_date(d)], [val / div], "o", ms=6, color=COLORS["obs"], zorder=5,
                        label=L.text("observed") if label else None)
                t0 = min(t0, _date(d) - np.timedelta64(60, "D"))
        for m, d, val, _ in TARGETS:
            if m == metric and _date(d) <= t1 + np.timedelta64(31, "D"):
                ax.plot([_date(d)], [val / div], "D", ms=6, mfc="none",
                        mec=COLORS["target"], mew=1.5, zorder=5,
                        label=L.text("target") if label else None)
                t0 = min(t0, _date(d) - np.timedelta64(60, "D"))
    if xstart is not None:
        t0 = min(t0, np.datetime64(xstart))
    ax.set_xlim(t0, t1 + np.timedelta64(45, "D"))
    _years_axis(ax, t0, t1)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ulab)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(_num))
    return ax


def _num(x, pos=None):
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    if abs(x - round(x)) < 1e-9:
        return f"{x:.0f}"
    return f"{x:g}"


def _signed(x):
    """+927, +2.5, 0: an impact as a short signed number."""
    if abs(x) < 0.05:
        return "0"
    return f"{x:+,.0f}" if abs(x) >= 10 else f"{x:+.1f}"


def _legend_unique(ax, **kw):
    h, lab = ax.get_legend_handles_labels()
    seen, hh, ll = set(), [], []
    for a, b in zip(h, lab):
        if b not in seen:
            seen.add(b)
            hh.append(a)
            ll.append(b)
    return ax.legend(hh, ll, **kw)


def _fan_grid(ds, metrics, key):
    fig = _figure(SIZE_TALL)
    axes = fig.subplots(2, 3).ravel()
    obs = [np.datetime64(d) for m, d, _, _ in OBSERVED if m in metrics]
    start = (min(obs) - np.timedelta64(120, "D")) if obs else None
    for i, (ax, m) in enumerate(zip(axes, metrics)):
        if m not in ds and f"{m}_q" not in ds:
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{m}: not in this file", ha="center", va="center",
                    transform=ax.transAxes)
            continue
        fan(ax, ds, m, xstart=start)
        ax.set_title(_metric_label(ds, m))
    # one legend for the figure, from every panel's entries
    h, lab = [], []
    for ax in axes:
        for a, b in zip(*ax.get_legend_handles_labels()):
            if b not in lab:
                h.append(a)
                lab.append(b)
    axes[0].legend(h, lab, loc="upper left", frameon=True, framealpha=0.85, fontsize=7.5)
    fig.suptitle(f"{L.title(key)} — {_run_label(ds)}", fontsize=13, fontweight="bold")
    _source(fig, _footer(ds) + "; observed: Global Times 2023-02-27, source document "
            "(mid 2024); targets: 2023 plan")
    return fig


# ---- projection ---------------------------------------------------------------------

STAGE_METRICS = ("firms", "projects", "firms_startup", "firms_backbone", "firms_leader",
                 "hightech")
OUTCOME_METRICS = ("unicorns", "gazelles", "listed", "valued_1e8", "valued_1e9",
                   "valuation")


def fan_stages(run):
    """Firms by stage (预孵 -> 初创 -> 骨干 -> 领军), all firms and high-tech
    enterprises: fan charts of median, 50% and 90% bands over replicates, with the
    observed Feb-2023 and mid-2024 figures and the plan targets marked."""
    return _fan_grid(run, STAGE_METRICS, "stages")


def fan_outcomes(run):
    """Unicorns, gazelles, listed firms, firms valued >= 1亿 and >= 10亿, total
    valuation: fan charts with the observed mid-2024 figures marked."""
    return _fan_grid(run, OUTCOME_METRICS, "outcomes")


def alliance(run, milestone="alliance_300yi"):
    """Left: the fund alliance's committed capital (亿元) as a fan chart with the
    300亿 goal; right: the probability, by year, that it has reached 300亿."""
    fig = _figure()
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.5, 1])
    fan(ax1, run, "alliance_committed")
    goal = ALLIANCE_GOAL / 1e8
    ax1.axhline(goal, color=COLORS["target"], ls="--", lw=1.4,
                label="300亿 goal 目标 (source document)")
    ax1.set_title(_metric_label(run, "alliance_committed"))
    lo, hi = ax1.get_ylim()
    if hi < goal * 1.08:                  # the goal line stays inside the axes
        ax1.set_ylim(lo, goal * 1.08)
    _legend_unique(ax1, loc="upper left", frameon=False)
    p = nio.milestone(run, milestone)
    years = p["year"].values.astype(int)
    vals = p.values.astype(float)
    bars = ax2.bar(years, vals, color=COLORS["fan"], width=0.7)
    for b, v in zip(bars, vals):
        ax2.text(b.get_x() + b.get_width() / 2, v + 0.015, f"{v:.0%}", ha="center",
                 va="bottom", fontsize=7.5)
    ax2.axhline(0.5, color=COLORS["line"], ls=":", lw=1)
    ax2.set_ylim(0, 1.1)
    ax2.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax2.set_xticks(years)
    ax2.set_xticklabels([str(y) for y in years], rotation=45)
    ax2.set_xlabel(L.text("year"))
    ax2.set_ylabel(L.text("probability"))
    ax2.grid(axis="x", visible=False)
    first = next((int(y) for y, v in zip(years, vals) if v >= 0.5), None)
    note = (f"50% reached by end {first} 年底达到50%概率" if first
            else "below 50% in every year 各年均未达50%")
    ax2.set_title(L.title("alliance_p", sep="\n"))
    ax2.text(0.02, 0.97, note, transform=ax2.transAxes, va="top", fontsize=8.5)
    fig.suptitle(f"{L.title('alliance')} — {_run_label(run)}", fontsize=13,
                 fontweight="bold")
    _source(fig, _footer(run))
    return fig


# ---- policy impact ------------------------------------------------------------------

IMPACT_METRICS = ("firms", "valued_1e8", "valued_1e9", "unicorns", "listed")


def _comparisons(comparisons):
    if isinstance(comparisons, dict):
        return list(comparisons.values())
    if hasattr(comparisons, "data_vars"):
        return [comparisons]
    return list(comparisons)


def _policy_label(c, sep=" "):
    return L.scenario(c.attrs.get("policy_scenario", "?"), sep=sep)


def _at(da, year):
    """Index of December of `year` in da's time axis, else the last month."""
    t = da["time"].values
    want = np.datetime64(f"{year}-12-01")
    idx = np.where(t == want)[0]
    return int(idx[0]) if len(idx) else len(t) - 1


def policy_impact(comparisons, metrics=IMPACT_METRICS, year=None):
    """Impacts (policy - baseline, paired by replicate) of each comparison on the
    headline metrics at December of `year` (default: the last month): mean, 50% and
    90% intervals; and the public money per additional unicorn and listing (亿元;
    'n/a' where the impact's 90% interval includes zero).  comparisons: a list (or
    dict) of open_compare / compare_runs datasets, e.g. policy-2024 and each pillar."""
    cs = _comparisons(comparisons)
    if not cs:
        raise ValueError("policy_impact: no comparisons given")
    fig = _figure(SIZE_TALL)
    axes = fig.subplots(2, 3).ravel()
    names = [_policy_label(c, sep="\n") for c in cs]
    ys = np.arange(len(cs))[::-1]
    when = None
    for ax, m in zip(axes, metrics):
        drawn = False
        for i, c in enumerate(cs):
            if f"{m}_impact" not in c and f"{m}_impact_q" not in c:
                continue
            q = nio.impact_quantiles(c, m)
            k = _at(q, year) if year else q.sizes["time"] - 1
            when = str(q["time"].values[k])[:7]
            v = q.values[:, k]
            mean = float(c[f"{m}_impact"].isel(time=k).mean()) if f"{m}_impact" in c else v[2]
            col = CYCLE[i % len(CYCLE)]
            ax.plot([v[0], v[4]], [ys[i], ys[i]], color=col, lw=1.6, solid_capstyle="butt")
            ax.plot([v[1], v[3]], [ys[i], ys[i]], color=col, lw=6, alpha=0.55,
                    solid_capstyle="butt")
            ax.plot([mean], [ys[i]], "o", color=col, ms=6, mec="white", zorder=5)
            sig = v[0] > 0 or v[4] < 0
            ax.annotate(_signed(mean) + ("*" if sig else ""),
                        (v[4], ys[i]), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=7.5, fontweight="bold" if sig else "normal")
            drawn = True
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(ys)
        ax.set_yticklabels(names if ax in (axes[0], axes[3]) else [""] * len(ys), fontsize=8)
        ax.set_ylim(-0.6, len(cs) - 0.4)
        ax.grid(axis="y", visible=False)
        ax.set_title(_metric_label(next((c for c in cs if f"{m}_impact" in c or
                                         f"{m}_impact_q" in c), cs[0]), m))
        ax.set_xlabel(L.unit("firms"))
        ax.margins(x=0.18)
        lo, hi = ax.get_xlim()
        if hi - lo < 1e-6:                # every impact 0: a readable unit range
            ax.set_xlim(-1, 1)
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(_num))   # one tick format
        if not drawn:
            ax.text(0.5, 0.5, "not in these files", ha="center", transform=ax.transAxes)
    _cost_panel(axes[5], cs, ys)
    fig.suptitle(f"{L.title('impact')}: {L.text('impact')}, {when or ''}", fontsize=13,
                 fontweight="bold")
    c0 = cs[0]
    _source(fig, f"dot: mean 均值; thick bar: 50% 区间; thin bar: 90% 区间 of the paired "
            f"differences over {c0.sizes.get('replicate', '?')} replicates; base 基准: "
            f"{L.scenario(c0.attrs.get('base_scenario', '?'))}; * and bold: the 90% interval "
            f"excludes 0 区间不含0")
    return fig


def _cost_ci(c, key):
    """The bounded 90% Fieller interval of cost `key` in 亿元 as (lo, hi), from the
    impact file's <key>_ci; None when the file has none or it is unbounded."""
    v = c.get(f"{key}_ci")
    if v is None or v.size != 2:
        return None
    lo, hi = (float(x) / 1e8 for x in v.values)
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) else None


def _cost_panel(ax, cs, ys):
    """Public money per additional unicorn, listing and surviving firm, 亿元, one group
    of bars per comparison, with Fieller's 90% interval as an error bar when the
    impact file has it; a cost is drawn only where it is defined (the mean impact's
    90% interval above zero), the legend lists only what is drawn, and a panel with
    no such cost says so once instead of a column of n/a."""
    keys = (("cost_per_unicorn", CYCLE[3]), ("cost_per_listing", CYCLE[2]),
            ("cost_per_firm", CYCLE[0]))
    h = 0.8 / len(keys)
    top = 0
    drawn = []
    for j, (key, col) in enumerate(keys):
        for i, c in enumerate(cs):
            y = ys[i] + 0.4 - h * (j + 0.5)
            v = float(c[key]) / 1e8 if key in c else float("nan")
            if math.isfinite(v) and v > 0:
                ax.barh(y, v, height=h, color=col, label=L.text(key))
                ci = _cost_ci(c, key)
                end = v
                if ci is not None:          # Fieller's 90% interval (neobay compare)
                    ax.errorbar([v], [y], xerr=[[v - ci[0]], [ci[1] - v]], fmt="none",
                                ecolor="black", elinewidth=0.9, capsize=2)
                    end = ci[1]
                ax.text(end, y, f" {v:,.2f}" if v < 10 else f" {v:,.1f}", va="center",
                        fontsize=7)
                top = max(top, end)
                if key not in drawn:
                    drawn.append(key)
    ax.set_yticks(ys)
    ax.set_yticklabels([""] * len(ys))
    ax.set_ylim(-0.6, len(cs) - 0.4)
    ax.set_xlim(0, (top or 1) * 1.45)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("亿 RMB 亿元")
    ax.set_title(L.title("cost", sep="\n"))
    if drawn:
        from matplotlib.patches import Patch
        cols = dict(keys)
        ax.legend([Patch(color=cols[k]) for k in drawn], [L.text(k) for k in drawn],
                  loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, frameon=False,
                  fontsize=7.5)
    else:
        ax.text(0.5, 0.5, "no cost shown: no mean impact on unicorns, listings or firms\n"
                "has a 90% confidence interval above zero\n无显著新增成果,不计算单位成本",
                transform=ax.transAxes, ha="center", va="center", fontsize=8, color="#555555")
    from matplotlib.transforms import blended_transform_factory
    tr = blended_transform_factory(ax.transAxes, ax.transData)
    for i, c in enumerate(cs):
        if "extra_public_spend" in c:
            v = float(c["extra_public_spend"]) / 1e8
            ax.text(0.99, ys[i], f"spend 支出\n{0 if abs(v) < 0.005 else v:,.2f}亿",
                    transform=tr, ha="right", va="center", fontsize=7, color="#555555")


def impact_over_time(comparison, metrics=("firms", "valued_1e9", "unicorns", "listed")):
    """One policy's impact (policy - baseline) over time on the headline metrics:
    median, 50% and 90% bands of the paired differences."""
    c = comparison
    fig = _figure()
    axes = fig.subplots(1, len(metrics))
    for ax, m in zip(np.atleast_1d(axes), metrics):
        q = nio.impact_quantiles(c, m)
        t, v = q["time"].values, q.values
        ax.fill_between(t, v[0], v[4], color=COLORS["policy"], alpha=0.18, lw=0,
                        label=L.text("band90"))
        ax.fill_between(t, v[1], v[3], color=COLORS["policy"], alpha=0.35, lw=0,
                        label=L.text("band50"))
        ax.plot(t, v[2], color=COLORS["policy"], lw=1.8, label=L.text("median"))
        ax.axhline(0, color="black", lw=0.8)
        _years_axis(ax, t[0], t[-1])
        ax.set_title(_metric_label(c, m))
        ax.set_ylabel(L.unit("firms"))
    _legend_unique(np.atleast_1d(axes)[0], loc="upper left", frameon=False)
    fig.suptitle(f"{L.title('impact_time')}: {_policy_label(c)} - "
                 f"{L.scenario(c.attrs.get('base_scenario', '?'))}", fontsize=13,
                 fontweight="bold")
    _source(fig, f"paired by replicate (common random numbers); "
            f"{c.sizes.get('replicate', '?')} replicates")
    return fig


# ---- sweeps -------------------------------------------------------------------------

def _outputs(sens, output):
    """The outcomes to show as "metric@year" labels: the file's metric x year
    (metric-major; default the first three) or those asked for."""
    outs = ([f"{m}@{int(y)}" for m in sens["metric"].values for y in sens["year"].values]
            if "metric" in sens.coords and "year" in sens.coords else [])
    if output is None:
        return outs[:3]
    want = [output] if isinstance(output, str) else list(output)
    bad = [o for o in want if o not in outs]
    if bad:
        raise nio.NeobayFileError(sens.attrs.get("neobay_file", "<sensitivity>"),
                                  f"no sensitivity output {bad[0]!r} (it has: "
                                  f"{', '.join(outs) or 'none'})")
    return want


def _at(sens, var, o):
    """Variable var of the sensitivity group at outcome o ("metric@year")."""
    metric, _, year = o.partition("@")
    return sens[var].sel(metric=metric, year=int(year)).values


def tornado(sens, output=None, top=12):
    """Sensitivity tornado: for each outcome ("metric@year"; default: the first three),
    factors ranked by total Sobol index ST (bars, with 90% interval) with the
    first-order index S1 (diamonds, with interval); a Morris analysis shows mu* with
    its interval instead."""
    outs = _outputs(sens, output)
    sobol = "ST" in sens
    fig = _figure()
    axes = np.atleast_1d(fig.subplots(1, max(len(outs), 1)))
    factors = [str(x) for x in sens["factor"].values]
    for ax, o in zip(axes, outs):
        if sobol:
            st = _at(sens, "ST", o)
            s1 = _at(sens, "S1", o)
            sti = _at(sens, "ST_interval", o) if "ST_interval" in sens else None
            s1i = _at(sens, "S1_interval", o) if "S1_interval" in sens else None
            key = np.nan_to_num(st, nan=-1)
        else:
            st = _at(sens, "mu_star", o)
            sti = _at(sens, "mu_star_interval", o) if "mu_star_interval" in sens else None
            s1 = s1i = None
            key = np.nan_to_num(st, nan=-1)
        order = np.argsort(-key, kind="stable")[:top]
        y = np.arange(len(order))[::-1]
        ax.barh(y, st[order], color=COLORS["fan"], alpha=0.75, height=0.5,
                label=L.text("ST") if sobol else L.text("mu_star"))
        if sti is not None:
            lo, hi = sti[order, 0], sti[order, 1]
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.errorbar(st[order][ok], y[ok],
                        xerr=[np.maximum(st[order][ok] - lo[ok], 0),
                              np.maximum(hi[ok] - st[order][ok], 0)],
                        fmt="none", ecolor="#123a61", elinewidth=1, capsize=2.5)
        if sobol:
            ax.plot(s1[order], y - 0.12, "D", color=COLORS["policy"], ms=5, label=L.text("S1"))
            if s1i is not None:
                lo, hi = s1i[order, 0], s1i[order, 1]
                ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(s1[order])
                ax.errorbar(s1[order][ok], y[ok] - 0.12,
                            xerr=[np.maximum(s1[order][ok] - lo[ok], 0),
                                  np.maximum(hi[ok] - s1[order][ok], 0)],
                            fmt="none", ecolor=COLORS["policy"], elinewidth=0.9, capsize=2)
            lo_all = np.r_[s1[order], 0, s1i[order, 0] if s1i is not None else []]
            hi_all = np.r_[st[order], 1.0, sti[order, 1] if sti is not None else [],
                           s1i[order, 1] if s1i is not None else []]
            ax.set_xlim(min(-0.05, np.nanmin(lo_all) - 0.05), np.nanmax(hi_all) + 0.05)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels([L.param(factors[i], sep="\n") for i in order], fontsize=7.5)
        ax.grid(axis="y", visible=False)
        metric, _, year = o.partition("@")
        ax.set_title(f"{_metric_label(sens, metric, sep=chr(10))}, {year}")
        ax.set_xlabel("index 指数" if sobol else "effect per factor range 全区间效应")
    _legend_unique(axes[0], loc="lower right", frameon=False)
    if sobol:
        vals = np.concatenate([np.r_[_at(sens, "ST", o), _at(sens, "S1", o)] for o in outs]) \
            if outs else np.array([])
        if np.any(vals[np.isfinite(vals)] > 1) or np.any(vals[np.isfinite(vals)] < -0.05):
            fig.text(0.5, 0.9, f"warning 注意: indices outside [0, 1] are estimation noise "
                     f"at N = {sens.attrs.get('points', '?')}: use more points for firm "
                     f"numbers 指数超出[0,1]为小样本估计误差", ha="center", fontsize=9,
                     color=COLORS["target"])
    fig.suptitle(L.title("tornado" if sobol else "tornado_morris"), fontsize=13,
                 fontweight="bold")
    lvl = sens.attrs.get("confidence_level", 0.9)
    _source(fig, f"{sens.attrs.get('design', '')} design, N = {sens.attrs.get('points', '?')}; "
            f"error bars: {float(lvl):.0%} bootstrap intervals "
            f"({sens.attrs.get('bootstrap_resamples', '?')} resamples)")
    return fig


def _design_values(sweep):
    """(values in parameter units, unit-scale values or None), both (point, factor)."""
    v = sweep.get("design")
    u = sweep.get("design_unit")
    if v is None and u is None:
        raise nio.NeobayFileError(sweep.attrs.get("neobay_file", "<sweep>"),
                                  "has no design(point, factor)")
    return (v if v is not None else u), u


def response_surface(sweep, x=None, y=None, metric="unicorns", year=None, bins=None):
    """The mean of `metric` at December of `year` (default: the last month) over two
    levers x and y (factor names; default: the first two).  Design points are binned
    on each lever's range and averaged over the other factors (a grid design with
    two factors is drawn as it is); the design points are overlaid."""
    path = sweep.attrs.get("neobay_file", "<sweep>")
    factors = [str(f) for f in sweep["factor"].values]
    if len(factors) < 2:
        raise nio.NeobayFileError(path, "a response surface needs a sweep of 2 or more factors")
    x = x or factors[0]
    y = y or factors[1]
    for f in (x, y):
        if f not in factors:
            raise nio.NeobayFileError(path, f"no factor {f!r} (it has: {', '.join(factors)})")
    var = f"{metric}_mean"
    if var not in sweep:
        have = sorted(v[:-5] for v in sweep.data_vars if v.endswith("_mean"))
        raise nio.NeobayFileError(path, f"no '{var}' (it has: {', '.join(have)})")
    da = sweep[var]
    k = _at(da, year) if year else da.sizes["time"] - 1
    when = str(da["time"].values[k])[:7]
    z = da.isel(time=k).values
    vals, _ = _design_values(sweep)
    ix, iy = factors.index(x), factors.index(y)
    xv = vals.values[:, ix].astype(float)
    yv = vals.values[:, iy].astype(float)
    logs = _log_factors(sweep, factors)
    grid_design = str(sweep.attrs.get("design", "")) == "grid"
    fig = _figure()
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1.35, 1])

    def rng_of(f):
        """The factor's range: the sweep's factor_min/max, else its design values."""
        i = factors.index(f)
        if "factor_min" in sweep and "factor_max" in sweep:
            lo, hi = float(sweep["factor_min"].values[i]), float(sweep["factor_max"].values[i])
            if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
                return lo, hi
        v = vals.values[:, i].astype(float)
        return float(np.nanmin(v)), float(np.nanmax(v))

    def edges(v, log, f):
        n = bins or int(np.clip(round(math.sqrt(len(v) / 3)), 3, 8))
        uniq = np.unique(v)
        if grid_design and len(uniq) <= 16:     # a grid: one cell per level
            mids = (uniq[1:] + uniq[:-1]) / 2
            first = uniq[0] - (mids[0] - uniq[0]) if len(uniq) > 1 else uniq[0] - 0.5
            last = uniq[-1] + (uniq[-1] - mids[-1]) if len(uniq) > 1 else uniq[-1] + 0.5
            if log and first <= 0:
                first = uniq[0] / 1.5
            return np.r_[first, mids, last]
        lo, hi = rng_of(f)
        if log and lo > 0:
            return np.geomspace(lo, hi, n + 1)
        return np.linspace(lo, hi, n + 1)
    ex, ey = edges(xv, logs.get(x), x), edges(yv, logs.get(y), y)
    sums = np.zeros((len(ey) - 1, len(ex) - 1))
    cnt = np.zeros_like(sums)
    bx = np.clip(np.searchsorted(ex, xv, side="right") - 1, 0, len(ex) - 2)
    by = np.clip(np.searchsorted(ey, yv, side="right") - 1, 0, len(ey) - 2)
    for i, j, zz in zip(by, bx, z):
        if np.isfinite(zz):
            sums[i, j] += zz
            cnt[i, j] += 1
    grid = np.where(cnt > 0, sums / np.maximum(cnt, 1), np.nan)
    sx, dx = _scale_of(x, sweep)
    sy, dy = _scale_of(y, sweep)
    mesh = ax.pcolormesh(ex / sx, ey / sy, np.ma.masked_invalid(grid), cmap="viridis",
                         shading="flat")
    ax.scatter(xv / sx, yv / sy, s=8, c="white", edgecolors="black", linewidths=0.4,
               label=L.text("design_points"))
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if np.isfinite(grid[i, j]):
                cx = math.sqrt(ex[j] * ex[j + 1]) if logs.get(x) and ex[j] > 0 else (ex[j] + ex[j + 1]) / 2
                cy = math.sqrt(ey[i] * ey[i + 1]) if logs.get(y) and ey[i] > 0 else (ey[i] + ey[i + 1]) / 2
                ax.text(cx / sx, cy / sy, _num(round(grid[i, j], 1)), ha="center",
                        va="center", fontsize=7, color="white",
                        path_effects=_outline())
    if grid_design:
        for axis, v, sc in ((ax.xaxis, xv, sx), (ax.yaxis, yv, sy)):
            lv = np.unique(v)
            if len(lv) <= 16:
                axis.set_ticks(lv / sc)
                axis.set_major_formatter(mticker.FuncFormatter(lambda t, p: f"{t:.3g}"))
    if logs.get(x):
        ax.set_xscale("log")
    if logs.get(y):
        ax.set_yscale("log")
    ax.set_xlabel(f"{L.param(x)} ({dx})")
    ax.set_ylabel(f"{L.param(y)} ({dy})")
    ax.grid(False)
    cb = fig.colorbar(mesh, ax=ax)
    label = _metric_label(sweep, metric)
    cb.set_label(f"{label}, {when}")
    ax.set_title(f"{label}: mean over replicates and other factors 均值")
    ax.legend(loc="upper right", frameon=True, fontsize=7.5)
    # right: the metric against each lever alone
    for f, col, sc in ((x, CYCLE[0], sx), (y, CYCLE[1], sy)):
        i = factors.index(f)
        u = _unit_scale(sweep, i, logs.get(f))
        ax2.scatter(u, z, s=10, color=col, alpha=0.6, label=L.param(f))
    ax2.set_xlabel("lever, share of its range 杠杆取值(占范围比例)")
    ax2.set_ylabel(f"{label}, {when}")
    ax2.set_title("each lever alone 单一杠杆")
    ax2.legend(loc="best", frameon=False, fontsize=7.5)
    fig.suptitle(f"{L.title('surface')}: {label}", fontsize=13, fontweight="bold")
    _source(fig, f"sweep: {sweep.attrs.get('design', '?')} design, "
            f"{sweep.sizes.get('point', '?')} points x {sweep.attrs.get('replicates', '?')} "
            f"replicates")
    return fig


def _outline():
    from matplotlib import patheffects
    return [patheffects.withStroke(linewidth=1.5, foreground="black")]


def _log_factors(sweep, factors):
    """{factor: True} for factors sampled in log space, when the file says so."""
    out = {}
    for name in ("factor_log", "log"):
        if name in sweep and sweep[name].dims == ("factor",):
            for f, v in zip(factors, sweep[name].values):
                out[f] = bool(v)
            return out
    return out


def _scale_of(factor, sweep):
    """(divisor, unit label) of a factor: money in 亿元; a scale factor (a multiple of
    the base scenario's value) as such."""
    units = ""
    factors = [str(f) for f in sweep["factor"].values]
    if "factor_scale" in sweep and sweep["factor_scale"].dims == ("factor",) and \
            int(sweep["factor_scale"].values[factors.index(factor)]):
        return 1.0, "× base value 基准值倍数"
    for name in ("factor_units", "units"):
        if name in sweep and sweep[name].dims == ("factor",):
            factors = [str(f) for f in sweep["factor"].values]
            units = str(sweep[name].values[factors.index(factor)])
            break
    if units.startswith("RMB"):
        return 1e8, L.unit(units)
    return 1.0, units or "value 取值"


def _unit_scale(sweep, i, log):
    if "design_unit" in sweep:
        return sweep["design_unit"].values[:, i]
    v = sweep["design"].values[:, i].astype(float)
    if log and np.all(v > 0):
        v = np.log(v)
    lo, hi = np.nanmin(v), np.nanmax(v)
    return (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)


# ---- calibration --------------------------------------------------------------------

def fit_table(post):
    """The calibration fit table as a figure: left, each target's simulated median and
    90% interval (posterior predictive) relative to the observed value (1 = a
    perfect fit; the observed interval in grey); right, the table as `neobay
    calibrate report` prints it (target, observed, simulated median, 90% interval,
    within or not, unit)."""
    fit = post.fit if hasattr(post, "fit") else post
    if fit is None or len(fit) == 0:
        raise nio.NeobayFileError(getattr(post, "path", "<posterior>"),
                                  "has no fit table (no posterior predictive of the targets)")
    n = len(fit)
    fig = _figure((12.0, max(4.0, 1.3 + 0.34 * n)))
    ax, axt = fig.subplots(1, 2, width_ratios=[1, 1.6])
    col = (lambda c, d: fit[c].astype(float).values if c in fit else d)
    obs = col("observed", None)
    med = col("median", None)
    lo, hi = col("lo", med), col("hi", med)
    olo, ohi = col("observed_lo", obs), col("observed_hi", obs)
    within = fit["within"].astype(bool).values if "within" in fit else \
        (ohi >= lo) & (olo <= hi)
    den = np.where(obs != 0, np.abs(obs), 1.0)
    y = np.arange(n)[::-1]
    for i in range(n):
        c = CYCLE[2] if within[i] else CYCLE[1]
        if olo[i] != ohi[i]:
            ax.plot([olo[i] / den[i], ohi[i] / den[i]], [y[i]] * 2, color="#999999", lw=7,
                    alpha=0.5, solid_capstyle="butt")
        ax.plot([lo[i] / den[i], hi[i] / den[i]], [y[i]] * 2, color=c, lw=2.2, alpha=0.8)
        ax.plot([med[i] / den[i]], [y[i]], "o", color=c, ms=5)
    ax.axvline(1, color="black", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels([str(t) for t in fit.index], fontsize=7.5)
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("simulated / observed 模拟值/观测值")
    ax.set_title(L.text("simulated", sep="\n"))
    axt.set_axis_off()
    cells, colors = [], []
    units = fit["units"].values if "units" in fit else [""] * n
    for i, t in enumerate(fit.index):
        o = _num(_round3(obs[i]))
        if olo[i] != ohi[i]:
            o += f" [{_num(_round3(olo[i]))}-{_num(_round3(ohi[i]))}]"
        cells.append([str(t), o, _num(_round3(med[i])),
                      f"[{_num(_round3(lo[i]))}, {_num(_round3(hi[i]))}]",
                      "yes 是" if within[i] else "NO 否", str(units[i])])
        colors.append(["white"] * 4 + ["#d5f0dd" if within[i] else "#f7d4d0", "white"])
    tab = axt.table(cellText=cells, cellColours=colors,
                    colLabels=["target 目标", "observed 观测值", "median 模拟中位数",
                               "90% interval 区间", "within 是否在内", "unit 单位"],
                    colWidths=[0.24, 0.19, 0.14, 0.22, 0.11, 0.1],
                    bbox=[0, 0, 1, 1], cellLoc="center", colLoc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(7.5)
    k = int(within.sum())
    fig.suptitle(f"{L.title('fit')}: {k} of {n} targets inside the simulated 90% interval "
                 f"({k}/{n}个目标在90%区间内)", fontsize=12, fontweight="bold")
    src = getattr(post, "ds", None)
    if src is not None:
        _source(fig, f"calibration {src.attrs.get('calibration_name', '?')}: posterior "
                f"predictive, {src.sizes.get('particle', '?')} particles x "
                f"{src.sizes.get('predictive_replicate', '?')} replicates")
    return fig


def _round3(x):
    if not math.isfinite(x) or x == 0:
        return x
    d = 3 - int(math.floor(math.log10(abs(x)))) - 1
    return round(x, max(d, 0)) if d > 0 else round(x, d)


def _param_title(name, pr):
    """A parameter's label: the bilingual one of labels.PARAMS, else the registry's
    description the posterior file carries (shortened), else the name."""
    if name in L.PARAMS:
        return L.param(name)
    desc = str(pr.get("description", "")) if pr is not None else ""
    if desc:
        short = desc.split(":")[0].split(";")[0].split(". ")[0]
        short = short if len(short) <= 42 else short[:40].rstrip() + "…"
        return f"{short}\n({name})"
    return name


def posterior_marginals(post, params=None, cols=4):
    """A histogram of each parameter's posterior (weighted particles of the last
    generation) with its median and 90% interval, on the prior's range when the file
    gives it."""
    df, w = post.particles, np.asarray(post.weights, dtype=float)
    names = list(params or df.columns)
    n = len(names)
    rows = max(1, math.ceil(n / cols))
    fig = _figure((12.0, max(3.2, 2.3 * rows + 0.8)))
    axes = np.atleast_1d(fig.subplots(rows, min(cols, n) if n else 1)).ravel()
    for ax, name in zip(axes, names):
        x = df[name].astype(float).values
        pr = post.priors.loc[name] if post.priors is not None and name in post.priors.index else None
        log = bool(pr.get("log", False)) if pr is not None else False
        rng = (float(pr["min"]), float(pr["max"])) if pr is not None else (np.nanmin(x), np.nanmax(x))
        if rng[0] == rng[1]:
            rng = (rng[0] - 0.5, rng[1] + 0.5)
        edges = np.geomspace(rng[0], rng[1], 26) if log and rng[0] > 0 else np.linspace(rng[0], rng[1], 26)
        ax.hist(x, bins=edges, weights=w, color=COLORS["fan"], alpha=0.75)
        qs = [nio.wquantile(x, w, q) for q in (0.05, 0.5, 0.95)]   # as calibrate report
        ax.axvline(qs[1], color=COLORS["policy"], lw=1.5)
        ax.axvspan(qs[0], qs[2], color=COLORS["policy"], alpha=0.12)
        if log and rng[0] > 0:
            ax.set_xscale("log")
        ax.set_xlim(*rng)
        nuis = pr is not None and bool(pr.get("nuisance", False))
        ax.set_title(f"{_param_title(name, pr)}\n{_num(_round3(qs[1]))} [{_num(_round3(qs[0]))}, "
                     f"{_num(_round3(qs[2]))}]{'  nuisance 冗余参数' if nuis else ''}",
                     fontsize=8.5, fontweight="normal")
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.set_axis_off()
    fig.suptitle(f"{L.title('marginals')}: median 中位数 and 90% interval 区间; "
                 f"x axis: {L.text('prior_range')}", fontsize=12, fontweight="bold")
    _source(fig, f"{len(df)} particles 粒子")
    return fig


# ---- batch --------------------------------------------------------------------------

def save(fig, path):
    """Save fig as a stable PNG at path (the size it was made with) and close it."""
    fig.savefig(path, **SAVE)
    return path
