"""Telling Big5 (Traditional Chinese Windows, cp950) from GBK (Simplified Chinese Windows,
read as GB18030) in a clerk's text file.

The bytes alone cannot tell: every Big5 byte pair is also a GBK pair, and most GBK text decodes
as Big5 too, each time into other, real characters (Big5 陳國華 is GBK 朝瓣地; GBK 李四 is Big5
燠侐). So both readings are scored as a clerk's text and the better one is taken:

- each character by how common it is, after Traditional→Simplified so that a Traditional text
  is scored as fairly as a Simplified one: GB2312 level 1 (the 3,755 common characters) and
  Chinese punctuation 0, level 2 −2, anything else (kana, box drawing, private use, rare
  ideographs) −5;
- +3 for each word of a clerk's vocabulary (column headers and their aliases, the kinds'
  choices, Qinghai's divisions, unit and post words, Tibetan names) and +1 for each cell of
  two to four ideographs beginning with a common surname.

A file whose two readings score within ``_MARGIN`` of each other is ambiguous: the caller
refuses it and asks for UTF-8 rather than guess. Measured by
``benchmarks/big5_gbk_accuracy.py`` on 54,000 synthetic rosters (Big5, GBK, and Traditional
text saved as GBK; Chinese or ASCII headers; 1 to 20 rows): none read as the other encoding;
0.3–0.6% refused, every one a header and one row whose only Chinese is a name of 2 or 3
characters. charset_normalizer, restricted to the two encodings, read 13.2% of the GBK files
as Big5 and 0.4% of the Big5 ones as GBK: it is not used here.

The same scores tell GBK (Big5) from UTF-8 when a file's bytes are valid UTF-8 too
(``read_encoding._utf8_verdict``): ``score_utf8`` scores the UTF-8 reading, where Tibetan,
Mongolian, ①, emoji, a lone ``·`` or ``×`` and a Latin letter inside a Latin word are as
plausible as ASCII, and a two-byte letter standing alone (GBK 袁平 is UTF-8 Ԭƽ) is rare.
Measured by the same benchmark on every name of a common surname and one common character
whose GBK (Big5) bytes are valid UTF-8 (7,502 GBK, 248 Big5; all read as UTF-8 before): 98.5%
of the GBK ones read as GBK, 1.5% refused (1.0% too short to tell GBK from Big5, 0.4% from
UTF-8 symbols: GBK 卢隆 is UTF-8 ¬¡); 96% of the Big5 ones refused (the same), 4% read as GBK
(rare Big5 characters: the Big5/GBK limit above); and none of 36,000 UTF-8 files, Chinese or
not, read otherwise or refused.

A line of a GBK (Big5) file that is valid UTF-8 too (``read_encoding._LineDecoder``) is a line
pasted in UTF-8 when ``utf8_lead`` finds its UTF-8 reading ahead by ``_MARGIN`` or more, a tie
reading as the file's encoding (stricter than a whole file, where a tie reads as UTF-8): only
a line with a Latin letter with a diacritic inside a Latin word or a lone Latin-1 symbol
(李四,café; C9,Müller) is scored, and a Latin word of four letters or more counts for UTF-8.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable

from cadre_sdk.core.normalize import to_simplified
from cadre_sdk.core.region_names import short_forms

#: Readings whose scores differ by less than this are too close to call.
_MARGIN = 2
#: Lines that are not Big5 beside lines that read as Big5 by this much: a mixed file.
_MIXED = 8
#: Lines of the sample judged, at most (enough for thousands of characters).
_JUDGED_BYTES = 1 << 16

# The commonest Han surnames (about 85% of people), and the Hui and Tibetan ones of Qinghai.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "冶祁喇哈铁妥鲜沙")
_WORDS = (
    "人民政府 委员会 办公室 局长 科员 主任 书记 县长 乡长 镇长 州长 市长 调研员 农牧 水利 民政 扶贫 教育 "
    "卫生 健康 林业 草原 公安 财政 发展 改革 党委 纪委 组织部 宣传部 统战部 政法委 人大 政协 法院 检察院 "
    "乡镇 街道 社区 干部 单位 汉族 藏族 回族 土族 撒拉族 蒙古族 "
    "才让 扎西 卓玛 多杰 索南 拉毛 尼玛 旦增 仁青 更登 桑杰 德吉 央金 措毛 才旦 公保 加措 东智 完玛 拉姆 "
    "周毛 吉先 万德 南加 华旦 昂秀 尕藏 久美 次仁 贡布 洛桑 丹增 格桑 达瓦 闹日 夏吾 才仁 关却 角巴").split()
_NAME_CELL = re.compile(r"(?:^|[,\t])([\u4e00-\u9fff]{2,4})(?=[,\t\r\n]|$)", re.M)


@functools.lru_cache(maxsize=1)
def _vocabulary() -> re.Pattern[str]:
    """A pattern finding the words of a clerk's vocabulary, in Simplified characters."""
    from cadre_sdk.core.divisions import known
    from cadre_sdk.records import RECORD_TYPES, fields_of

    words = list(_WORDS)
    for cls in RECORD_TYPES.values():
        words.append(cls.__title__)
        for field in fields_of(cls):
            meta = field.metadata
            words += [meta["title"], *meta["aliases"], *meta["choices"]]
    for name, _level in known().values():
        words += [name, *short_forms(name)]   # 海西, 海西州, 格尔木 as clerks write them
    usable = {w for w in words if len(w) >= 2 and not w.isascii()}
    return re.compile("|".join(map(re.escape, sorted(usable, key=len, reverse=True))))


@functools.lru_cache(maxsize=1 << 14)
def _weight(char: str) -> int:
    """0 for a common character or Chinese punctuation, −2 for a less common one, −5 else."""
    simple = to_simplified(char)
    if simple in _SURNAMES:
        return 0
    for form in dict.fromkeys((char, simple)):
        try:
            lead = form.encode("gb2312")[0]
        except UnicodeEncodeError:
            continue
        if lead <= 0xA3 or 0xB0 <= lead <= 0xD7:  # punctuation, full-width forms; level 1
            return 0
        if 0xD8 <= lead <= 0xF7:
            return -2
    try:
        pair = char.encode("cp950")
    except UnicodeEncodeError:
        return -5
    return 0 if 0xA140 <= int.from_bytes(pair, "big") <= 0xA2FE else -5  # Big5 punctuation


def score(text: str) -> int:
    """How much ``text`` reads like a clerk's Chinese (higher is likelier; see the module)."""
    counts = Counter(text)
    total = sum(_weight(char) * n for char, n in counts.items() if not char.isascii())
    simple = to_simplified(text)
    total += 3 * len(_vocabulary().findall(simple))
    total += sum(1 for cell in _NAME_CELL.finditer(simple) if cell.group(1)[0] in _SURNAMES)
    return total


#: A two-byte UTF-8 character (U+0080–U+07FF): what GBK or Big5 bytes that happen to be valid
#: UTF-8 read as, one for each Chinese character (GBK 袁平 is UTF-8 Ԭƽ).
TWO_BYTE_UTF8 = re.compile("[\u0080-\u07ff]")
# A Latin letter with a diacritic inside a Latin word (café, Müller): a UTF-8 reading, not
# GBK's (GBK 茅 would be é), whose Chinese never sits inside a Latin word.
_LATIN_IN_WORD = re.compile("(?<=[A-Za-z])[\u00c0-\u024f]|[\u00c0-\u024f](?=[A-Za-z])")
# As plausible as ASCII in a UTF-8 reading, whatever their weight as Chinese: the characters
# GBK or Big5 bytes never read as in UTF-8 (three- and four-byte ones: Tibetan, Mongolian,
# symbols like ①, full-width forms, emoji) other than ideographs ...
_NOT_FROM_LEGACY = re.compile("[^\u0000-\u07ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                              "\U00020000-\U0003ffff]")
# ... and a Latin-1 symbol (· × ÷ ° ± ² ½ § ©) beside no other two-byte character: a unit or a
# footnote mark. GBK characters read as these too (路 as ·), but beside the next character of
# the name or word, itself two-byte (GBK 冶路 is UTF-8 ұ·, 卢隆 is ¬¡). Beside a two-byte
# letter, a symbol weighs as a rare character; beside symbols only, as itself, −2 at most.
_SYMBOL = "\u00a0-\u00bf\u00d7\u00f7"
_TWO_BYTE_LETTER = "\u0080-\u009f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u07ff"
_ANY_SYMBOL = re.compile(f"[{_SYMBOL}]")
_LONE_SYMBOL = re.compile(f"(?<![\u0080-\u07ff])[{_SYMBOL}](?![\u0080-\u07ff])")
_SYMBOL_BY_LETTER = re.compile(f"(?<=[{_TWO_BYTE_LETTER}])[{_SYMBOL}]|[{_SYMBOL}](?=[{_TWO_BYTE_LETTER}])")


def score_utf8(text: str) -> int:
    """``score`` for a UTF-8 reading, to compare with the GBK (Big5) reading of the same bytes:
    a Latin letter inside a Latin word, a Latin-1 symbol beside no other two-byte character and
    the characters no GBK or Big5 bytes read as in UTF-8 (Tibetan, Mongolian, ①, emoji,
    full-width forms) count as ASCII; a symbol beside a two-byte letter (ұ·), and any other
    two-byte letter (Ԭ, ƽ, Ů: Armenian, Cyrillic, Greek, Hebrew, IPA, a Latin letter standing
    alone) weigh as a rare character; symbols side by side (²², ¬¡) as less common ones."""
    plain = _NOT_FROM_LEGACY.sub("", _LONE_SYMBOL.sub("", _LATIN_IN_WORD.sub("a", text)))
    plain = _SYMBOL_BY_LETTER.sub("\ue000", plain)  # U+E000: private use, rare
    # Symbols beside symbols only (²², GBK 卢隆 being ¬¡): as a less common character, −2.
    return score(plain) + 3 * sum(1 for char in _ANY_SYMBOL.findall(plain) if _weight(char) == -5)


#: A Latin word of four letters or more with a letter of a diacritic inside (café, Müller,
#: José): GBK (Big5) reads that letter as an ideograph stuck in the word (caf茅, M眉ller).
_LATIN_WORD = re.compile("[A-Za-z\u00c0-\u024f]{4,}")
_DIACRITIC = re.compile("[\u00c0-\u024f]")
#: What ``score_utf8`` reads as Latin text (``_LATIN_IN_WORD``, ``_LONE_SYMBOL``), in one search,
#: after ``_MAYBE_LATIN``, a looser one three times faster (its lookahead first: the engine skips
#: to the characters it may start at), which most GBK lines valid as UTF-8 fail (Ԭƽ).
_READ_AS_LATIN = re.compile(f"{_LATIN_IN_WORD.pattern}|{_LONE_SYMBOL.pattern}")
_MAYBE_LATIN = re.compile(f"(?=[A-Za-z\u00a0-\u024f])(?:[A-Za-z](?=[\u00c0-\u024f])"
                          f"|[\u00c0-\u024f](?=[A-Za-z])|[{_SYMBOL}])")


def utf8_lead(text: str, legacy: str) -> int:
    """How far the UTF-8 reading ``text`` of a line scores ahead of ``legacy``, its GBK (Big5)
    reading (``score_utf8`` minus ``score``), each Latin word of four letters or more with a
    diacritic inside (café, Müller) counting for UTF-8 what a rare character counts against
    (5): the other reading has an ideograph inside a Latin word. A shorter one (aé, GBK a茅)
    tells nothing. 0 (nothing to tell) unless ``text`` has a two-byte character read as Latin
    text, a letter inside a Latin word or a lone Latin-1 symbol: checked first, at once, so a
    GBK name valid as UTF-8 (袁平, Ԭƽ) costs no scoring, and GBK rare characters that read as
    three-byte UTF-8 symbols (陸丂 is ꑁ@) are never taken for UTF-8."""
    if not (_MAYBE_LATIN.search(text) and _READ_AS_LATIN.search(text)):
        return 0
    words = sum(1 for word in _LATIN_WORD.findall(text)
                if _DIACRITIC.search(word) and re.search("[A-Za-z]", word))
    return score_utf8(text) - score(legacy) + 5 * words


def all_known(text: str) -> bool:
    """Is every character of ``text`` ASCII, Chinese punctuation or a GB2312 (Big5) one, none
    weighing as rare?"""
    return all(_weight(char) > -5 for char in set(text) if not char.isascii())


def margin(raw: bytes) -> int | None:
    """Big5's score minus GBK's for these bytes; ``None`` when they are not Big5 at all."""
    try:
        big5 = raw.decode("cp950")
    except UnicodeDecodeError:
        return None
    return score(big5) - score(raw.decode("gb18030"))


def judge(lines: Iterable[tuple[int, bytes]]) -> tuple[str | None, int, int]:
    """The encoding of these numbered lines (each valid GB18030, none UTF-8): ``'cp950'``,
    ``'gb18030'`` or ``None`` when too close to call; the margin (Big5's score minus GBK's);
    and the line that decided it. Only the first ``_JUDGED_BYTES`` are judged.

    A line that is not Big5 makes the file GBK, unless the other lines, or one of them, read
    as Big5 beyond doubt (``_MIXED``): then the file is Big5 from that line, and the line that
    is not will be reported as another encoding when it is read, rather than the Big5 lines
    read as GBK nonsense.
    """
    taken: list[tuple[int, bytes]] = []
    size = 0
    for lineno, raw in lines:
        taken.append((lineno, raw))
        size += len(raw)
        if size >= _JUDGED_BYTES:
            break
    if not taken:
        return None, 0, 0
    found = margin(b"\n".join(raw for _, raw in taken))
    if found is None:
        big5 = [(lineno, raw) for lineno, raw in taken if margin(raw) is not None]
        together = (margin(b"\n".join(raw for _, raw in big5)) or 0) if big5 else 0
        if together >= _MIXED:
            return "cp950", together, big5[0][0]
        for lineno, raw in big5:  # one Big5 line among GBK ones
            alone = margin(raw) or 0
            if alone >= _MIXED:
                return "cp950", alone, lineno
        return "gb18030", 0, taken[0][0]
    if found >= _MARGIN:
        return "cp950", found, taken[0][0]
    if found <= -_MARGIN:
        return "gb18030", found, taken[0][0]
    return None, found, taken[0][0]
