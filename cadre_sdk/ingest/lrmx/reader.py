"""Reading 干部任免审批表 files (``.lrmx``): one XML file per person, root ``Person``, flat
pinyin-named elements, as written by the 任免审批表 software (versions 2.x and 3.x) and by most
cadre information systems.

Encodings: a BOM (UTF-8, UTF-16 LE/BE) decides; otherwise the XML prolog's ``encoding`` (UTF-8,
GB2312, GBK, GB18030; GB2312 and GBK are read as GB18030, their superset, because files
declared GB2312 often hold GBK characters such as 堃 or 喆); no declaration means UTF-8 (the XML
rule). Bytes that do not decode as the file says are an error naming the line: a file is never
read in a guessed encoding.

Parsing uses the standard library's ``xml.etree``: a 任免审批表 never has a DOCTYPE, so a file
with one is refused before parsing. That closes the entity-expansion and external-entity attacks
``defusedxml`` guards against without another dependency (expat never fetches external
entities anyway).

``read_lrmx`` returns a ``LrmxPerson``: the elements' texts, each element's line, and the row
dicts a clerk's files would have (Chinese column names, the element named in brackets so every
message says which element: "出生年月（ChuShengNianYue）"). Whole-file problems raise
``ReadError`` in Chinese. Family members (JiaTingChengYuan) and the photo (ZhaoPian) are not
read into any row: cadre-sdk does not store them.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from pathlib import Path
from xml.etree import ElementTree

import attrs

from cadre_sdk.core.errors import ReadError
from cadre_sdk.ingest.readers import _open
from cadre_sdk.ingest.lrmx.resume import (
    Grades, Resume, Rewards, parse_grades, parse_resume, parse_rewards,
)

__all__ = ["ELEMENTS", "LrmxPerson", "read_lrmx", "element_label"]

#: Element -> its Chinese meaning (the label printed on the form).
ELEMENTS = {
    "XingMing": "姓名", "XingBie": "性别", "ChuShengNianYue": "出生年月", "MinZu": "民族",
    "JiGuan": "籍贯", "ChuShengDi": "出生地", "RuDangShiJian": "入党时间",
    "CanJiaGongZuoShiJian": "参加工作时间", "JianKangZhuangKuang": "健康状况",
    "ZhuanYeJiShuZhiWu": "专业技术职务", "ShuXiZhuanYeYouHeZhuanChang": "熟悉专业有何专长",
    "QuanRiZhiJiaoYu_XueLi": "全日制教育学历", "QuanRiZhiJiaoYu_XueWei": "全日制教育学位",
    "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "全日制教育毕业院校系及专业（学历）",
    "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "全日制教育毕业院校系及专业（学位）",
    "ZaiZhiJiaoYu_XueLi": "在职教育学历", "ZaiZhiJiaoYu_XueWei": "在职教育学位",
    "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "在职教育毕业院校系及专业（学历）",
    "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "在职教育毕业院校系及专业（学位）",
    "XianRenZhiWu": "现任职务", "NiRenZhiWu": "拟任职务", "NiMianZhiWu": "拟免职务",
    "JianLi": "简历", "JiangChengQingKuang": "奖惩情况", "NianDuKaoHeJieGuo": "年度考核结果",
    "RenMianLiYou": "任免理由", "JiaTingChengYuan": "家庭主要成员及重要社会关系",
    "ChengBaoDanWei": "呈报单位", "JiSuanNianLingShiJian": "计算年龄时间",
    "TianBiaoShiJian": "填表时间", "TianBiaoRen": "填表人", "ShenFenZheng": "身份证号",
    "ZhaoPian": "照片", "Version": "版本",
}
#: Elements a file must have, with text: who the person is and the post they hold.
REQUIRED = ("XingMing", "XingBie", "ChuShengNianYue", "ShenFenZheng", "XianRenZhiWu")


def element_label(tag: str) -> str:
    """"出生年月（ChuShengNianYue）": how messages name an element."""
    return f"{ELEMENTS.get(tag, tag)}（{tag}）"


@attrs.frozen
class LrmxPerson:
    """One 任免审批表 as read. ``values``: element -> text (stripped; '' when empty);
    ``lines``: element -> the line of the file where it starts; ``resume_lines``: résumé line
    (from 1) -> line of the file."""

    file: str
    sha256: str
    version: str
    values: dict[str, str]
    lines: dict[str, int]
    resume_lines: dict[int, int]
    resume: Resume
    grades: Grades
    rewards: Rewards

    def line_of(self, tag: str) -> int:
        return self.lines.get(tag, self.lines.get("Person", 1))

    def resume_line(self, number: int) -> int:
        return self.resume_lines.get(number, self.line_of("JianLi"))


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "gb2312": "gb18030", "gbk": "gb18030",
              "gb18030": "gb18030", "cp936": "gb18030", "utf-16": "utf-16", "unicode": "utf-16"}
_SAVE = "请在任免审批表软件中打开后重新保存（或重新导出）"


def _decode(data: bytes, file: str) -> str:
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body, name = data[len(bom):], {"utf-8": "UTF-8"}.get(codec, "UTF-16")
            return _strict(body, codec, file, f"文件开头的 BOM 标明是 {name} 编码")
    if data[:2] in (b"<\x00", b"\x00<"):  # UTF-16 without a BOM (the prolog's "<" is ASCII)
        codec = "utf-16-le" if data[0] else "utf-16-be"
        return _strict(data, codec, file, "文件是 UTF-16 编码")
    m = _DECLARED.match(data)
    declared = m[1].decode("ascii") if m else None
    if declared is None:
        return _strict(data, "utf-8", file, "文件没有声明编码（按 XML 规定即 UTF-8）")
    codec = _ENCODINGS.get(declared.lower())
    if codec == "utf-16":  # a UTF-16 file starts with a BOM or a NUL byte: this one does not
        raise ReadError(f"{file}：文件声明的编码是 {declared}，内容却不是 UTF-16 编码。{_SAVE}。")
    if codec is None:
        raise ReadError(f"{file}：文件声明的编码“{declared}”无法识别，应为 UTF-8 或 GB2312/GBK。{_SAVE}。")
    if codec == "gb18030" and not data.isascii() and _utf8(data):
        # UTF-8 bytes nearly always decode as GB18030 too, into nonsense: say what happened.
        raise ReadError(f"{file}：文件声明的编码是 {declared}，内容却是 UTF-8 编码。{_SAVE}。")
    return _strict(data, codec, file, f"文件声明的编码是 {declared}")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strict(body: bytes, codec: str, file: str, said: str) -> str:
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise ReadError(f"{file}：{said}，但第{line}行含有不是这种编码的字节。{_SAVE}。") from None


def _line_index(text: str, tags: list[str]) -> dict[str, int]:
    """Each element's line: where its start tag is (the elements are flat and unique)."""
    out = {}
    for tag in tags:
        m = re.search(rf"<{re.escape(tag)}[\s/>]", text)
        if m:
            out[tag] = text.count("\n", 0, m.start()) + 1
    return out


def _resume_lines(text: str, parsed: str) -> dict[int, int]:
    """Résumé line -> file line, when the résumé's line breaks are literal in the file (not
    written as &#xD;&#xA;, which keeps the whole résumé on one line of the file)."""
    m = re.search(r"<JianLi\s*>", text)
    if m is None:
        return {}
    end = text.find("</JianLi>", m.end())
    raw = text[m.end(): end if end >= 0 else len(text)]
    if raw.count("\n") != parsed.count("\n"):
        return {}
    first = text.count("\n", 0, m.end()) + 1
    return {k: first + k - 1 for k in range(1, parsed.count("\n") + 2)}


def read_lrmx(path: str | Path, display: str | None = None) -> LrmxPerson:
    """Read one 任免审批表 file. Raises ``ReadError`` (Chinese, naming the file) when it is not
    a readable 任免审批表: missing, empty, undecodable, not XML, a DOCTYPE, the wrong root."""
    file = display if display is not None else str(path)
    with _open(path, file) as fh:  # the readers' "not found" / "a folder" messages
        data = fh.read()
    if not data.strip():
        raise ReadError(f"{file}：文件为空。请确认选择的是正确的任免审批表文件。")
    text = _decode(data, file)
    if "\x00" in text:
        raise ReadError(f"{file}：文件含有空字符（NUL），可能已损坏。{_SAVE}。")
    head = text.lstrip("\ufeff \t\r\n")
    if not head.startswith("<"):
        raise ReadError(f"{file}：不是任免审批表（.lrmx）文件：内容不是 XML。"
                        "请确认文件是由任免审批表软件或干部信息系统导出的 .lrmx 文件。")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ReadError(f"{file}：文件含有 DOCTYPE/ENTITY 声明，任免审批表文件不应包含，出于安全原因不予读取。"
                        f"{_SAVE}。")
    # The text is decoded already: drop the declaration, whose encoding no longer applies
    # (its line breaks are kept, so the parser's line numbers are the file's).
    body = re.sub(r"^\s*<\?xml[^>]*\?>", lambda m: "\n" * m.group().count("\n"),
                  text.lstrip("\ufeff"), count=1)
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise ReadError(f"{file}：XML 格式有误（第{line}行第{column + 1}列附近），文件可能不完整或已损坏。"
                        f"{_SAVE}。") from None
    if root.tag != "Person":
        raise ReadError(f"{file}：根元素是“{root.tag}”，不是任免审批表的“Person”。"
                        "请确认文件是任免审批表（.lrmx）文件。")
    values: dict[str, str] = {}
    for child in root:
        if child.tag == "JiaTingChengYuan" or len(child):
            continue  # family members (and any structured element) are not stored
        values.setdefault(child.tag, (child.text or "").strip())
    # The résumé keeps its line layout (leading spaces of continuation lines included).
    jianli = root.find("JianLi")
    resume_text = (jianli.text or "") if jianli is not None else ""
    lines = _line_index(text, ["Person", *ELEMENTS])
    return LrmxPerson(
        file=file, sha256=hashlib.sha256(data).hexdigest(),
        version=values.get("Version", ""), values=values, lines=lines,
        resume_lines=_resume_lines(text, resume_text), resume=parse_resume(resume_text),
        grades=parse_grades(values.get("NianDuKaoHeJieGuo")),
        rewards=parse_rewards(values.get("JiangChengQingKuang")))
