"""did-you-mean on keys whose last part many groups share (issue 13, item 7):
`listings.rate` suggests the `listing` group, not the first group with a `rate`."""
import subprocess

import pytest


@pytest.mark.parametrize("key,want", [
    ("listings.rate", "listing"), ("credits.rate", "credit"), ("hightec.rate", "hightech"),
    ("listing.rat", "listing.rate"), ("hightech.rat", "hightech.rate"),
])
def test_suggestion_prefers_the_whole_key(neobay, root, key, want):
    r = subprocess.run([neobay, "check", "scenarios/baseline.yaml", "--set", f"{key}=0.1"],
                       cwd=root, capture_output=True, text=True)
    assert r.returncode == 2
    assert f"did you mean '{want}'?" in r.stderr, r.stderr


def test_nested_yaml_key_too(neobay, root, tmp_path):
    sc = tmp_path / "s.yaml"
    sc.write_text(f"extends: {root / 'scenarios' / 'baseline.yaml'}\nlistings:\n  rate: 0.1\n")
    r = subprocess.run([neobay, "check", "--allow-extends-outside", str(sc)], cwd=root, capture_output=True, text=True)
    assert r.returncode == 2 and "did you mean 'listing'?" in r.stderr, r.stderr
