"""Is the evaluation set kept apart from the training data?

    /usr/bin/python3 tests/eval/leak_check.py [--show N]

Every row of tests/eval/realistic.csv is compared with every row of config/training/*.csv:
both texts (title and content) normalised (letters and digits only, lower case, the common
traditional characters of lib/sq_hanzi.c read as simplified, the channels' set phrases such as
来电人反映 cut out), cut into character 3-grams,
and compared by Jaccard similarity (shared 3-grams over all of both) and containment (the
share of the eval row's 3-grams found in the training row).  A pair with Jaccard at least
LEAK_JACCARD or containment at least LEAK_CONTAINMENT is too close: the same incident
retold, not merely the same kind of matter (that bar is deliberately low; near-identical text
scores far above it).
Prints the closest pairs and exits 1 when there is a leak.  Used by make eval and by
tests/e2e/test_eval_data.py.
"""
import csv
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EVAL_CSV = os.path.join(HERE, "realistic.csv")
TRAINING = os.path.join(ROOT, "config", "training")
HANZI_C = os.path.join(ROOT, "lib", "sq_hanzi.c")
LEAK_JACCARD = 0.4
LEAK_CONTAINMENT = 0.4
# The channels' set phrases say nothing about the matter; they are cut out before comparing.
SET_PHRASES = ("来电人反映", "来电人诉求", "来电人咨询", "来电人建议", "来电人表扬", "来电人要求保密",
               "来电人", "尊敬的领导", "此致敬礼", "此致", "微信留言", "乐清市", "请相关部门",
               "请有关部门", "相关部门", "有关部门", "依法查处", "依法处理", "要求", "您好", "谢谢")


def simplified_table():
    """The traditional -> simplified pairs of lib/sq_hanzi.c ({0xAAAA, 0xBBBB} entries)."""
    with open(HANZI_C, encoding="utf-8") as source:
        pairs = re.findall(r"\{0x([0-9A-F]{4}), 0x([0-9A-F]{4})\}", source.read())
    return {chr(int(a, 16)): chr(int(b, 16)) for a, b in pairs}


def grams(text, table):
    text = "".join(table.get(c, c) for c in text.lower() if c.isalnum())
    for phrase in SET_PHRASES:
        text = text.replace(phrase, "|")
    return {piece[i:i + 3] for piece in text.split("|") for i in range(len(piece) - 2)}


def training_rows():
    rows = []
    for path in sorted(glob.glob(os.path.join(TRAINING, "*.csv"))):
        with open(path, encoding="utf-8", newline="") as source:
            for row in csv.DictReader(source):
                rows.append(("%s:%s" % (os.path.basename(path), row.get("title", "")[:20]),
                             (row.get("title") or "") + " " + (row.get("body") or "")))
    return rows


def check(show=5):
    """Returns (leaks, closest): lists of (jaccard, containment, eval id, training row)."""
    table = simplified_table()
    train = [(name, grams(text, table)) for name, text in training_rows()]
    with open(EVAL_CSV, encoding="utf-8", newline="") as source:
        evals = list(csv.DictReader(source))
    closest = []
    for row in evals:
        mine = grams(row["title"] + " " + row["content"], table)
        if not mine:
            continue
        best = (0.0, 0.0, row["id"], "")
        for name, theirs in train:
            shared = len(mine & theirs)
            if not shared:
                continue
            jaccard = shared / len(mine | theirs)
            containment = shared / len(mine)
            if max(jaccard, containment) > max(best[0], best[1]):
                best = (jaccard, containment, row["id"], name)
        closest.append(best)
    closest.sort(key=lambda x: -max(x[0], x[1]))
    leaks = [c for c in closest if c[0] >= LEAK_JACCARD or c[1] >= LEAK_CONTAINMENT]
    return leaks, closest[:show]


def main():
    show = int(sys.argv[sys.argv.index("--show") + 1]) if "--show" in sys.argv else 5
    leaks, closest = check(show)
    print("leak check: the closest evaluation rows to any training row (Jaccard, containment "
          "of character 3-grams; a leak at %.2f / %.2f):" % (LEAK_JACCARD, LEAK_CONTAINMENT))
    for jaccard, containment, eval_id, name in closest:
        print("  %s  %.2f  %.2f  %s" % (eval_id, jaccard, containment, name))
    print("leak check: %d leaks" % len(leaks))
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
