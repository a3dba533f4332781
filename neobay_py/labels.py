"""Bilingual labels (English 中文) for neobay's figures.

A label is "English 中文", so a figure can go straight into a report in either
language.

Metric names are not kept here: model/metrics.def defines each metric's long_name
and long_name_zh once, and every results file carries them as attributes of the
metric's variables; metric(name, attrs) builds the label from those attributes
(neobay_py.io.metric_attrs finds them in a run, impact, sweep or sensitivity file).

Scenario titles: a run file carries its scenario's title / title_zh (in the resolved
scenario text), and those win; SCENARIOS is only for files that do not carry them
(impact files name their two scenarios only).

PARAMS stays a table: the parameter registry (model/params.def) has an English
description but no Chinese label and no short form, so PARAMS is not a copy of it;
a parameter not in PARAMS is labelled with its registry name.  UNITS, TEXT and
TITLES are the figures' own wording, not in any file.
"""

# Units as printed on axes: (English, 中文).
UNITS = {
    "firms": ("firms", "家"),
    "persons": ("persons", "人"),
    "RMB": ("亿 RMB", "亿元"),
    "RMB/year": ("亿 RMB a year", "亿元/年"),
    "RMB/month": ("亿 RMB a month", "亿元/月"),
    "probability": ("probability", "概率"),
}

# Scenario name -> (English, 中文), used when a file does not carry its titles.
SCENARIOS = {
    "baseline": ("Baseline (no 2024 measures)", "基准情景"),
    "policy-2024": ("The 20 measures of 2024", "2024年20条措施"),
    "pillar-1-source": ("Pillar 1: source", "第一方面:强策源"),
    "pillar-2-conversion": ("Pillar 2: conversion", "第二方面:促转化"),
    "pillar-3-firms": ("Pillar 3: firms", "第三方面:增动能"),
    "pillar-4-factors": ("Pillar 4: factors", "第四方面:聚要素"),
    "pillar-5-climate": ("Pillar 5: climate", "第五方面:造氛围"),
    "fund-shortfall": ("Fund alliance shortfall", "基金联盟规模不足"),
}

# Fixed texts of the figures.
TEXT = {
    "median": ("median", "中位数"),
    "band50": ("50% band", "50%区间"),
    "band90": ("90% band", "90%区间"),
    "observed": ("observed", "实际值"),
    "target": ("plan target", "规划目标"),
    "month": ("month", "月份"),
    "year": ("year", "年份"),
    "impact": ("impact (policy - baseline)", "政策效应(政策-基准)"),
    "probability": ("probability", "概率"),
    "not_significant": ("n/a: interval includes 0", "不显著"),
    "cost_per_unicorn": ("per additional unicorn", "每新增一家独角兽企业"),
    "cost_per_listing": ("per additional listing", "每新增一家上市企业"),
    "cost_per_firm": ("per additional firm", "每新增一家在区企业"),
    "extra_public_spend": ("extra public spending", "新增财政支出"),
    "S1": ("first-order S1", "一阶指数 S1"),
    "ST": ("total ST", "总效应指数 ST"),
    "mu_star": ("Morris μ*", "平均绝对效应 μ*"),
    "design_points": ("design points", "设计点"),
    "within": ("within 90% interval", "在90%区间内"),
    "outside": ("outside", "在区间外"),
    "simulated": ("simulated median, 90% interval", "模拟中位数与90%区间"),
    "posterior": ("posterior", "后验分布"),
    "prior_range": ("prior range", "先验范围"),
}

# Figure titles.
TITLES = {
    "stages": ("Firms by stage", "各阶段企业数"),
    "outcomes": ("Unicorns, gazelles, listings and valued firms", "独角兽、瞪羚、上市与高估值企业"),
    "alliance": ("Fund alliance and the 300亿 goal", "基金联盟与300亿元目标"),
    "alliance_p": ("Probability of having reached 300亿, by year", "各年末基金联盟已达300亿元的概率"),
    "impact": ("Impact of the measures", "政策效应"),
    "impact_time": ("Impact over time", "政策效应随时间变化"),
    "cost": ("Public money per additional outcome", "每新增一项成果所需财政资金"),
    "tornado": ("Sensitivity: Sobol indices", "敏感性分析:Sobol指数"),
    "tornado_morris": ("Sensitivity: Morris screening", "敏感性分析:Morris筛选"),
    "surface": ("Response surface", "响应面"),
    "fit": ("Calibration fit", "校准拟合"),
    "marginals": ("Posterior marginals", "参数后验边缘分布"),
}


def bi(pair, sep=" "):
    """'English 中文' from an (English, 中文) pair (or a plain string, unchanged)."""
    if isinstance(pair, str):
        return pair
    en, zh = pair
    if not zh or zh == en:
        return en
    return f"{en}{sep}{zh}"


def text(key, sep=" "):
    return bi(TEXT[key], sep)


def title(key, sep=" "):
    return bi(TITLES[key], sep)


def _str(v):
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return "" if v is None else str(v)


def metric(name, attrs=None, sep=" "):
    """The bilingual label of metric `name` from its variable's attributes `attrs`
    (long_name, long_name_zh: the file's text of model/metrics.def); the bare name
    when the file gives no long_name."""
    attrs = attrs or {}
    en = _str(attrs.get("long_name")) or str(name)
    zh = _str(attrs.get("long_name_zh"))
    return bi((en, zh), sep)


def unit(units, sep=" "):
    """The bilingual axis unit for a file's `units` attribute."""
    if units in UNITS:
        return bi(UNITS[units], sep)
    return units or ""


def scenario(name, title_en=None, title_zh=None, sep=" "):
    """A scenario's bilingual label: the file's titles when it carries them, else the
    table's form (SCENARIOS), else the bare name."""
    if title_en or title_zh:
        return bi((title_en or name, title_zh or ""), sep)
    if name in SCENARIOS:
        return bi(SCENARIOS[name], sep)
    return name or "?"


# Parameters that sweeps and calibrations usually vary: name -> (English, 中文).
# Others are labelled with their registry name.  Not a copy of the registry: it has
# no Chinese labels (see the module's docstring).
PARAMS = {
    "policy.strategic_forces": ("Strategic S&T forces (m1)", "战略科技力量"),
    "policy.future_industry": ("Future-industry technology (m2)", "未来产业技术"),
    "policy.basic_research": ("Basic research (m3)", "基础研究"),
    "policy.grant_equity": ("Grant-to-equity (m4)", "拨投结合"),
    "policy.poc_budget": ("Proof of concept (m5)", "概念验证与中试"),
    "policy.incubator_budget": ("Incubation carriers (m6)", "孵化载体"),
    "policy.space": ("Space for conversion (m7)", "转化承载空间"),
    "policy.cultivation": ("Tiered cultivation (m8)", "梯次培育"),
    "policy.rnd_vouchers": ("R&D vouchers (m9)", "研发服务券"),
    "policy.open_innovation": ("Open innovation centres (m9)", "开放创新中心"),
    "policy.procurement": ("Procurement (m10)", "政府采购与示范应用"),
    "policy.compute": ("Compute supply (m10)", "算力供给"),
    "policy.talent": ("Talent (m11)", "人才引育"),
    "policy.talent_services": ("Talent services (m12)", "人才服务"),
    "policy.guidance_fund": ("Guidance fund (m13)", "引导基金出资"),
    "policy.tech_credit": ("Tech credit (m13)", "科技信贷风险补偿"),
    "policy.ip": ("IP protection (m14)", "知识产权保护"),
    "policy.instruments": ("Shared instruments (m15)", "大型仪器共享"),
    "policy.international": ("International cooperation (m16)", "国际合作"),
    "policy.events": ("Academic events (m17)", "学术活动"),
    "policy.culture": ("Entrepreneurial culture (m18)", "创业文化"),
    "policy.special_fund": ("Special fund cap", "专项资金总额"),
    "alliance.inflow": ("Alliance inflow", "基金联盟新增认缴"),
    "alliance.initial": ("Alliance at start", "基金联盟初始规模"),
    "alliance.call_rate": ("Alliance call rate", "基金联盟实缴速度"),
    "alliance.recycle": ("Alliance recycling", "基金联盟回收再投"),
    "funding.round_rate": ("Funding round rate", "融资轮次频率"),
    "funding.step_up": ("Valuation step-up", "估值提升倍数"),
    "funding.seed_valuation": ("Seed valuation", "种子轮估值"),
    "listing.rate": ("Listing rate", "上市速率"),
    "conversion.prob": ("Conversion probability", "成果转化概率"),
    "entry.relocation_rate": ("Relocations in", "迁入速率"),
    "entry.other_rate": ("Other founders", "其他创业速率"),
    "growth.drift": ("Revenue growth", "营收增长率"),
    "growth.volatility": ("Growth volatility", "增长波动率"),
    "hightech.rate": ("High-tech certification rate", "高企认定速率"),
    "stage.graduate_rate": ("Graduation rate", "毕业速率"),
    "talent.graduates": ("Graduates a month", "每月毕业生供给"),
    "origin.firms": ("Firms at founding (2015)", "2015年初始企业数"),
    "entry.outer_rate": ("New projects in the wider area", "外围区域新项目"),
    "exit.belief_cutoff": ("Exit threshold of believed quality", "退出的质量信念阈值"),
    "exit.signal_noise": ("Noise of the quality signal", "质量信号噪声"),
    "exit.acquire_rate": ("Acquisition rate", "并购率"),
    "exit.background": ("Background exit hazard", "基础退出率"),
    "cash.burn_startup": ("Start-up cash burn", "初创企业现金消耗"),
    "growth.shock_scale": ("Growth shock scale", "增长冲击规模"),
    "exit.quality_effect": ("Quality effect on exit", "质量对退出的影响"),
    "funding.round_decay": ("Round-rate decay", "融资频率衰减"),
    "funding.revenue_multiple": ("Revenue multiple", "营收估值倍数"),
}


def param(name, sep=" "):
    """A parameter's bilingual label (its registry name when not in PARAMS)."""
    name = str(name)
    if name in PARAMS:
        return bi(PARAMS[name], sep)
    return name
