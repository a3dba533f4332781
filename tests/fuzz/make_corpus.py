"""Write the committed fuzz corpus tests/fuzz/corpus/{scenario,sweep,set}/: the
shipped scenarios and sweeps, the bad-scenario cases of tests/bad, and every
reproducer of issue 14 (the hang, alias bomb, NUL, non-UTF-8 and directive inputs,
20,000 keys, extends outside the tree).  Run from the repository root after adding a
reproducer; the files are committed, so the fuzz smoke needs nothing else."""
import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"


def put(kind, data):
    if isinstance(data, str):
        data = data.encode()
    d = OUT / kind
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def bomb():
    s = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"
    for i in range(1, 9):
        s += f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 10) + "]\n"
    return s


REPRO = [
    b"%\xff", b"%FOO x\n", b"a: 1\0b: 2\n", b"\xff\xfen\x00a\x00", b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00",
    b"a: \xc3\x28\n", b"%YAML 1.2\n---\nname: x\n", b"name: x\n---\nname: y\n",
    bomb(), "extends: /etc/shadow\n", "extends: ../../../../etc/hostname\n", "extends: b.yaml\n",
    "extends: s.yaml\n", "b: &b {x: 1}\nm: {<<: *b, x: 2}\n", "exit:\n  background: 0.1\n  background: 0.2\n",
    "name: x\nextra:\n" + "".join(f"  k{i:05d}: {i}\n" for i in range(20000)),
    "rules:\n  - {if: {metric: firms, below: 5}, then: {param: policy.poc_budget, add: 1亿}}\n",
]

for f in sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "tests" / "bad").glob("*.yaml")) \
        + sorted((ROOT / "tests" / "data" / "scenarios").glob("*.yaml")):
    put("scenario", f.read_bytes())
for r in REPRO:
    put("scenario", r)

for f in sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")):
    text = f.read_text()
    if "base:" in text:                                      # the target's base is base.yaml
        put("sweep", re.sub(r"^base: *\S+", "base: base.yaml", text, flags=re.M))
for r in REPRO:
    put("sweep", r)
put("sweep", "base: base.yaml\ndesign: lhs\npoints: 2\nfactors:\n  origin.firms: {range: [100, 200]}\n"
    + "".join(f"  k{i:05d}: 1\n" for i in range(3000)))

for s in ["run.seed=5", "exit.background=0.1", "policy.guidance_fund={2024-07: 1亿, 2026-01: 2亿}",
          "run.seed=%\xff", "name=x", "extends=a.yaml", "rules=[]", "origin.firms=[1, *a]",
          "run.end=2030-13", "def.usd_cny=7.1e0", "origin={firms: 10}", "x=&a [*a]"]:
    put("set", s.encode("utf-8", "surrogateescape") if "\xff" not in s else s.replace("\xff", "").encode() + b"\xff")
