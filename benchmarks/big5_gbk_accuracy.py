"""How often Big5, GBK and UTF-8 files are told apart right, by the loader
(``ingest.big5_gbk``, ``ingest.read_encoding``) and by charset_normalizer restricted to Big5 and
GBK: synthetic rosters (names from the common surnames and, every other seed, any GB2312
level-1 character; Tibetan names; Qinghai's units, posts, ethnic groups, dates as clerks write
them; Chinese or ASCII headers; 1 to 20 rows), each saved as Big5 (in Traditional characters),
as GBK, in Traditional characters as GBK, and as UTF-8; UTF-8 files with no Chinese (ASCII
with ·, ×, ①, full-width punctuation, m², café, Tibetan and Mongolian script, an emoji); and
every one-row roster of a common surname and one common character whose GBK (Big5) bytes are
also valid UTF-8 (GBK 袁平 is UTF-8 Ԭƽ):

    PYTHONPATH=. .venv/bin/python benchmarks/big5_gbk_accuracy.py --seeds 6

Measured (6 seeds, 90,000 files): the loader read none as another encoding; it refused 0.6%
of the Big5 files, 0.5% of the GBK ones and 0.3% of the Traditional GBK ones (every one a header
and one row whose only Chinese is a name of 2 or 3 characters), and no UTF-8 file. Before the
UTF-8 reading was scored against GBK's (PYTHONPATH of that commit), it read 0.05% of the GBK
files (9 of 18,000) and 0.01% of the Traditional GBK ones as UTF-8 nonsense; now those are read
as GBK. Of the one-name rosters valid as UTF-8 (7,502 GBK, 248 Big5), all were read as UTF-8
before; now 98.5% of the GBK ones are read as GBK and 1.5% refused (1.0% too close between GBK
and Big5, 0.4% between GBK and UTF-8 symbols: GBK 卢隆 is UTF-8 ¬¡), 96% of the Big5 ones refused
(one name cannot tell Big5 from GBK) and 4% read as GBK (a rare Big5 character: the Big5/GBK
limit). charset_normalizer
read 13.2% of the GBK files as Big5 (7.7% of the Traditional ones) and 0.4% of the Big5 ones as
GBK.
"""
from __future__ import annotations

import argparse
import collections
import random
from collections.abc import Callable

import charset_normalizer
import opencc

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.readers import decode_bytes

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅建国志文斌海燕鹏辉晶宇浩凯健俊帆帅旭宁龙林欣雪琳"
LEVEL1 = "".join(bytes([a, b]).decode("gb2312") for a in range(0xB0, 0xD8) for b in range(0xA1, 0xFF)
                 if not (a == 0xD7 and b > 0xF9))
BIG5_LEVEL1 = "".join(bytes([a, b]).decode("cp950") for a in range(0xA4, 0xC7)
                      for b in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
                      if (a, b) < (0xC6, 0x7F))
TIBETAN = ["才让", "扎西", "卓玛", "多杰", "索南", "拉毛", "尼玛", "旦增", "仁青", "更登", "桑杰", "德吉"]
UNITS = ["玉树州农牧局", "格尔木市农牧局", "玉树市水利局", "海西州民政局", "西宁市城东区人民政府",
         "城关镇人民政府", "果洛州扶贫开发局", "海东市乐都区教育局", "称多县民政局", "治多县人民政府"]
POSTS = ["局长", "副局长", "科员", "主任", "副主任", "乡长", "党委书记", "副县长", "一级科员"]
ETHNIC = ["汉族", "藏族", "回族", "土族", "撒拉族", "蒙古族", "汉", "藏"]


def roster(rng: random.Random, given: str) -> str:
    """One file's text, Simplified."""
    def name() -> str:
        if rng.random() < .35:
            return rng.choice(TIBETAN) + (rng.choice(TIBETAN) if rng.random() < .3 else "")
        return rng.choice(SURNAMES) + "".join(rng.choices(given, k=rng.choice((1, 2, 2))))

    def date() -> str:
        y, m = rng.randint(1962, 2000), rng.randint(1, 12)
        return rng.choice([f"{y}.{m:02d}", f"{y}年{m}月", f"{y}-{m:02d}-{rng.randint(1, 28):02d}"])
    shape = rng.choice(["full", "full", "names", "units", "posts"])
    rows = {
        "full": lambda: [name(), rng.choice("男女"), date(), rng.choice(ETHNIC), rng.choice(UNITS),
                         rng.choice(POSTS)],
        "names": lambda: [f"C{rng.randint(1, 999)}", name()],
        "units": lambda: [rng.choice(UNITS)],
        "posts": lambda: [f"63{rng.randint(10**15, 10**16 - 1)}", rng.choice(POSTS)],
    }[shape]
    width = len(rows())
    header = ("姓名,性别,出生年月,民族,工作单位,职务" if shape == "full" and rng.random() < .5
              else ",".join(f"c{i}" for i in range(width)))
    count = rng.choice([1, 1, 1, 2, 3, 5, 20])
    return header + "\n" + "".join(",".join(rows()) + "\n" for _ in range(count))


# What a clerk's UTF-8 file may hold without any Chinese: codes and numbers with symbols, a
# Latin word with a diacritic, Tibetan and Mongolian script names, an emoji in a note.
NOT_CHINESE = ["·", "×", "①", "②", "，", "（注）", "m²", "3×4", "No.①", "café", "Müller", "±0.5",
               "45°", "བཀྲ་ཤིས་", "སྒྲོལ་མ", "ᠪᠠᠲᠤ", "ᠮᠥᠩᠬᠡ", "👍", "✓", "§3", "½"]


def not_chinese(rng: random.Random) -> str:
    """A UTF-8 file's text with no Chinese character: ASCII header and codes, and a few of
    ``NOT_CHINESE`` in its cells."""
    rows = "".join(f"C{rng.randint(1, 999)},{rng.choice(NOT_CHINESE)},{rng.randint(0, 99)}\n"
                   for _ in range(rng.choice([1, 1, 2, 3, 5])))
    return "c0,c1,c2\n" + rows


def reading(data: bytes, text: str) -> str:
    """How the loader read ``data`` (``text`` encoded): the encoding, "(wrong text)" when
    the text differs, or "refused" when it would not tell."""
    try:
        decoded, used = decode_bytes(data, "a.csv")
    except ReadError as error:
        return "refused" if "无法确定文件的编码" in str(error) else "error"
    read = {"cp950": "Big5", "gb18030": "GBK", "utf-8": "UTF-8"}.get(used, used)
    return read + (" (wrong text)" if decoded != text else "")


def one_name_files(to_traditional: Callable[[str], str]) -> collections.Counter[tuple[str, str]]:
    """Every roster of one row, a code and a name of a common surname and one common character
    (GB2312 level 1 saved as GBK, 229,055 names; Big5 level 1 in Traditional characters saved
    as Big5, 329,461), whose bytes are also valid UTF-8: how each is read."""
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for saved, codec, chars, surnames in [
            ("GBK", "gbk", LEVEL1, SURNAMES + "袁冶祁喇哈铁妥鲜沙"),
            ("Big5", "cp950", BIG5_LEVEL1, to_traditional(SURNAMES + "袁冶祁喇哈铁妥鲜沙"))]:
        for surname in surnames:
            for char in chars:
                text = f"c0,c1\nC1,{surname}{char}\n"
                data = text.encode(codec)
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                counts[saved, reading(data, text)] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--files", type=int, default=3000, help="rosters per seed")
    args = parser.parse_args()
    to_traditional = opencc.OpenCC("s2tw").convert
    ours: collections.Counter[tuple[str, str]] = collections.Counter()
    theirs: collections.Counter[tuple[str, str]] = collections.Counter()
    for seed in range(args.seeds):
        rng, other = random.Random(seed), random.Random(-1 - seed)
        given = LEVEL1 if seed % 2 else GIVEN
        for _ in range(args.files):
            simplified = roster(rng, given)
            traditional = to_traditional(simplified)
            for saved, text, codec in [("Big5", traditional, "cp950"), ("GBK", simplified, "gbk"),
                                       ("GBK (Traditional)", traditional, "gbk"),
                                       ("UTF-8", simplified, "utf-8"),
                                       ("UTF-8 (no Chinese)", not_chinese(other), "utf-8")]:
                try:
                    data = text.encode(codec)
                except UnicodeEncodeError:
                    continue
                ours[saved, reading(data, text)] += 1
                if saved.startswith("UTF-8"):
                    continue
                best = charset_normalizer.from_bytes(data, cp_isolation=["gb18030", "cp950"]).best()
                theirs[saved, {"big5": "Big5", "cp950": "Big5"}.get(
                    best.encoding if best else "", "GBK")] += 1
    for title, counts in [("loader", ours), ("charset_normalizer (gb18030, cp950)", theirs)]:
        print(title)
        for (saved, read), n in sorted(counts.items()):
            total = sum(v for (s, _), v in counts.items() if s == saved)
            print(f"  {saved:18} read as {read:22} {n:6}  {n / total:7.2%}")
    names = one_name_files(to_traditional)
    print("loader, one name whose bytes are also valid UTF-8 (a code and a surname + one character)")
    for (saved, read), n in sorted(names.items()):
        total = sum(v for (s, _), v in names.items() if s == saved)
        print(f"  {saved:18} read as {read:22} {n:6}  {n / total:7.2%}")


if __name__ == "__main__":
    main()
