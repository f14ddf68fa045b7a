#!/usr/bin/python3
"""Varied hotline work orders for the whole-pipeline part of make bench: N request bodies
(POST /v1/workorders JSON without external_id and received_at, which the wrk script adds),
one a line.

    ops/bench/pipeline_orders.py N [--data DIR] [--seed S] > FILE

Real texts, never one text repeated (the repeat-report logic would merge the copies and
skip their routing): first each text of tests/eval/realistic.csv (the project's own set)
and, when DIR (default ../shared/data/complaints) holds the Teddy Cup train.csv and
test.csv, each of those real citizen messages; then, while more are asked for, mixed-issue
orders made of two different texts (the first's title and content, the start of the
second's), every pair once.
Each order has a caller and phone of its own; the eval texts keep their address, the Teddy
Cup ones (pseudonymised places) have none.  A third are line 12315.  Deterministic for a seed.
"""
import argparse
import csv
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


def texts(data_dir):
    """[(title, content, address)] of the eval set, then of the Teddy Cup rows when present."""
    found = []
    with open(os.path.join(ROOT, "tests", "eval", "realistic.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found.append((row["title"], row["content"], row["address"]))
    for name in ("train.csv", "test.csv"):
        path = os.path.join(data_dir, name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                body = (row.get("body") or "").strip()
                title = (row.get("title") or "").strip() or body[:20]
                if body and title:
                    found.append((title[:190], body[:3900], ""))
    seen, unique = set(), []
    for item in found:
        if item[1] not in seen:
            seen.add(item[1])
            unique.append(item)
    return unique


def orders(count, data_dir, seed):
    rng = random.Random(seed)
    pool = texts(data_dir)
    singles = list(range(len(pool)))
    rng.shuffle(singles)
    picked = [(i, None) for i in singles[:count]]
    used = set()
    while len(picked) < count:
        a, b = rng.randrange(len(pool)), rng.randrange(len(pool))
        if a != b and (a, b) not in used:
            used.add((a, b))
            picked.append((a, b))
    for n, (a, b) in enumerate(picked):
        title, content, address = pool[a]
        if b is not None:
            content = (content + "另外，" + pool[b][1][:300])[:3900]
        line = "12315" if n % 3 == 2 else "12345"
        body = {"line": line, "caller_name": rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
                "phone": "13%09d" % rng.randrange(10 ** 9), "title": title, "content": content,
                "operator_id": str(1000 + rng.randrange(40))}
        if address:
            body["address"] = address
        yield body


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "complaints"))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    out = sys.stdout
    for body in orders(args.count, args.data, args.seed):
        out.write(json.dumps(body, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
