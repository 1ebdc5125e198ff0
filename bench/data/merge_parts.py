#!/usr/bin/env python3
"""Build eval_proposals.jsonl from the three independently written parts.

Each part (eval_parts/part_a|b|c.jsonl) was written for its own set of units with its own duplicate
groups. Put together, some items of different parts turned out to be about the same matter; a
proposal office would 并案 them, so they are relabelled into one group here (CROSS_PART, reviewed
by hand from the pairs bench/eval.py reported as false positives). Pairs that only share
vocabulary (人民调解 vs 婚姻家庭纠纷, 公积金贷款额度 vs 灵活就业缴存, 研学实践 vs 研学基地, 公积金提取
加装电梯 vs 加装电梯推进) stay apart on purpose.

Items are interleaved in year order (the file order is the time order routing is scored in).
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

HERE = Path(__file__).parent
CROSS_PART = {
    # whole groups that are the same matter
    "b-g13": "c-g06",  # 新能源汽车充电桩 (供电公司) = 新能源汽车充电基础设施 (发改委)
    # single items joining a group of another part
    "b060": "a-g10",  # 根治工程建设领域拖欠农民工工资
    "c047": "b-g02",  # 居民小区电动自行车集中充电
    "c029": "b-g14",  # 城区停车设施 / 停车难
    "b041": "c-g09",  # 农村寄递物流 / 快递进村
    # pairs of singletons
    "c008": "x-g01", "a056": "x-g01",  # 中小学校园（食堂）食品安全
    "b009": "x-g02", "c045": "x-g02",  # 老城历史（文化）街区保护
    "b011": "x-g03", "c078": "x-g03",  # 畜禽养殖污染 / 粪污资源化
    "b014": "x-g04", "c034": "x-g04",  # 森林防（灭）火
}


def main() -> None:
    items = []
    for part in "abc":
        items += [json.loads(line) for line in (HERE / "eval_parts" / f"part_{part}.jsonl").read_text().splitlines() if line.strip()]
    for item in items:
        group = item.get("dup_group")
        item["dup_group"] = CROSS_PART.get(item["id"]) or CROSS_PART.get(group or "") or group
    by_year = collections.defaultdict(lambda: collections.defaultdict(list))
    for item in items:
        by_year[item["year"]][item["id"][0]].append(item)
    out = []
    for year in sorted(by_year):
        parts = by_year[year]
        while any(parts.values()):
            for key in sorted(parts):
                if parts[key]:
                    out.append(parts[key].pop(0))
    with open(HERE / "eval_proposals.jsonl", "w", encoding="utf-8") as f:
        for item in out:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    groups = collections.Counter(i["dup_group"] for i in out if i["dup_group"])
    print(f"{len(out)} items, {len(groups)} duplicate groups, {sum(groups.values())} items in groups")


if __name__ == "__main__":
    main()
