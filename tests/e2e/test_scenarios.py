"""The shipped scenarios: each is valid, the baseline is a true counterfactual, the
pillars carry exactly policy-2024's budgets for their levers, and policy-2024 sets a
lever for every measure."""
import subprocess

import pytest
import yaml

SHIPPED = ["baseline", "policy-2024", "pillar-1-source", "pillar-2-conversion",
           "pillar-3-firms", "pillar-4-factors", "pillar-5-climate", "fund-shortfall"]
PILLAR_MEASURES = {"pillar-1-source": range(1, 4), "pillar-2-conversion": range(4, 8),
                   "pillar-3-firms": range(8, 11), "pillar-4-factors": range(11, 16),
                   "pillar-5-climate": range(16, 21)}


def resolved(neobay, root, name):
    r = subprocess.run([neobay, "check", f"scenarios/{name}.yaml"], cwd=root,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return yaml.safe_load(r.stdout)


def lever_measures(neobay, root):
    """policy.* lever -> measure number, from `neobay params`."""
    r = subprocess.run([neobay, "params", "policy."], cwd=root, capture_output=True, text=True)
    out, name = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("policy."):
            name = line.split()[0].split(".")[1]
        elif name and line.startswith("  default") and ", measure " in line:
            out[name] = int(line.rsplit(", measure ", 1)[1])
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_is_valid(neobay, root, name):
    sc = resolved(neobay, root, name)
    assert sc["name"] == name
    assert (root / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8").startswith("# ")


def test_baseline_has_no_measures(neobay, root):
    pol = resolved(neobay, root, "baseline")["policy"]
    money = ["strategic_forces", "future_industry", "basic_research", "grant_equity",
             "poc_budget", "incubator_budget", "space", "cultivation", "rnd_vouchers",
             "open_innovation", "procurement", "compute", "overseas", "talent",
             "talent_services", "guidance_fund", "tech_credit", "ip", "instruments",
             "international", "events", "culture", "planning"]
    for lever in money + ["ownership_reform"]:
        assert pol[lever] == 0, lever
    assert pol["lists"] is False


@pytest.mark.parametrize("pillar", sorted(PILLAR_MEASURES))
def test_pillar_matches_policy_2024(neobay, root, pillar):
    measures = lever_measures(neobay, root)
    full = resolved(neobay, root, "policy-2024")["policy"]
    part = resolved(neobay, root, pillar)["policy"]
    base = resolved(neobay, root, "baseline")["policy"]
    for lever, m in measures.items():
        if m in PILLAR_MEASURES[pillar] and full[lever] != base[lever]:
            assert part[lever] == full[lever], f"{pillar}: policy.{lever} differs from policy-2024"
        elif m not in PILLAR_MEASURES[pillar] and lever != "special_fund":
            assert part[lever] == base[lever], f"{pillar}: policy.{lever} belongs to another pillar"


def test_policy_2024_sets_every_measure(neobay, root):
    measures = lever_measures(neobay, root)
    full = resolved(neobay, root, "policy-2024")["policy"]
    base = resolved(neobay, root, "baseline")["policy"]
    touched = {m for lever, m in measures.items() if full[lever] != base[lever]}
    assert touched >= set(range(1, 21)) - {20} and full["special_fund"] > 0
