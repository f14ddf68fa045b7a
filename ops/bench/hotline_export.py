#!/usr/bin/python3
"""A batch as the city's hotline platform exports it, for make bench and the e2e tests:
N work orders with varied texts (places, matters, details and callers drawn from small
tables), as CSV (the default), a JSON array or JSON Lines.  Deterministic for a seed.

    ops/bench/hotline_export.py N [--format csv|json|jsonl] [--prefix P] [--seed S] > FILE

Every row is valid; ids are P-000001 ... in order, received_at spread over the seven days
before 2026-11-23, a third of the rows on line 12315 with a respondent business.
"""
import argparse
import csv
import datetime
import json
import random
import sys

PLACES = ["乐成街道", "城东街道", "城南街道", "盐盆街道", "翁垟街道", "白石街道", "石帆街道",
          "天成街道", "柳市镇", "北白象镇", "磐石镇", "虹桥镇", "蒲岐镇", "南岳镇", "淡溪镇",
          "清江镇", "南塘镇", "芙蓉镇", "雁荡镇", "大荆镇"]
STREETS = ["人民路", "长江路", "建设路", "中心大道", "宁康路", "旭阳路", "双雁路", "环城路"]
MATTERS = [
    ("小区夜间施工噪音", "晚上十点以后还在施工，噪音很大，影响休息，希望有关部门管一管。"),
    ("路灯不亮", "这条路的路灯已经坏了一个多星期，晚上出行很不安全。"),
    ("餐馆油烟直排", "楼下餐馆油烟直接排放，楼上住户窗户都不敢开。"),
    ("外卖饭菜变质", "点的外卖送到时饭菜有馊味，吃了以后肚子不舒服。"),
    ("商家拒绝退货", "购买的电饭煲有质量问题，商家拒绝退货，也不给维修。"),
    ("学校食堂卫生差", "孩子说学校食堂饭菜里吃出头发，后厨很脏，请去查一查。"),
    ("占道经营", "早上菜市场门口摊贩占道经营，车辆和行人都过不去。"),
    ("垃圾清运不及时", "小区垃圾桶已经满了好几天没有清运，气味很大。"),
    ("超市售卖过期食品", "在超市买到的牛奶已经过期三天，货架上还有很多。"),
    ("供水压力不足", "最近几天高峰时段水压很低，楼上几乎没水。"),
    ("违章停车堵塞消防通道", "小区消防通道长期被车辆占用，存在安全隐患。"),
    ("物业乱收费", "物业公司今年突然上调停车费，没有经过业主大会。"),
]
DETAILS = ["已经反映过两次。", "希望尽快处理。", "请相关部门核实。", "附近居民都有意见。",
           "周末更严重。", "已拍照留存。", "请给予答复。", ""]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
SHOPS = ["便民超市", "餐饮店", "电器商行", "水果店", "药店", "面馆", "烧烤店", "服装店"]
FIELDS = ["line", "external_id", "caller_name", "phone", "address", "region", "title",
          "content", "operator_id", "received_at", "respondent_name", "respondent_address",
          "respondent_credit_code"]
END = datetime.datetime(2026, 11, 23, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def rows(count, prefix, seed):
    rng = random.Random(seed)
    for i in range(1, count + 1):
        place = rng.choice(PLACES)
        title, content = rng.choice(MATTERS)
        when = END - datetime.timedelta(seconds=rng.randrange(7 * 86400))
        line = "12315" if i % 3 == 0 else "12345"
        row = {
            "line": line,
            "external_id": "%s-%06d" % (prefix, i),
            "caller_name": rng.choice(SURNAMES) + rng.choice(["先生", "女士", "某"]),
            "phone": "13%09d" % rng.randrange(10 ** 9),
            "address": "%s%s%d号" % (place, rng.choice(STREETS), rng.randrange(1, 300)),
            "region": "",
            "title": "%s%s" % (place, title),
            "content": "%s%s第%d次反映。" % (content, rng.choice(DETAILS), rng.randrange(1, 9)),
            "operator_id": str(1000 + rng.randrange(40)),
            "received_at": when.replace(microsecond=0).isoformat(),
            "respondent_name": "",
            "respondent_address": "",
            "respondent_credit_code": "",
        }
        if line == "12315":
            shop_place = rng.choice(PLACES)
            row["respondent_name"] = shop_place + rng.choice(SHOPS)
            row["respondent_address"] = "%s%s%d号" % (shop_place, rng.choice(STREETS),
                                                     rng.randrange(1, 300))
        yield row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--format", choices=("csv", "json", "jsonl"), default="csv")
    parser.add_argument("--prefix", default="BENCH")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    out = sys.stdout
    if args.format == "csv":
        writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows(args.count, args.prefix, args.seed):
            writer.writerow(row)
    elif args.format == "jsonl":
        for row in rows(args.count, args.prefix, args.seed):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        out.write("[\n")
        for i, row in enumerate(rows(args.count, args.prefix, args.seed)):
            out.write((",\n" if i else "") + json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")


if __name__ == "__main__":
    main()
