"""The hand-written YAML files an office adds (a year's holidays, a year's rates) are refused
in Chinese when they are missing or not UTF-8, and read with or without a BOM."""
from __future__ import annotations

from pathlib import Path

import pytest

from cadre_sdk.core.calendar_years import CalendarFileError, read_year_file
from cadre_sdk.testing import make_plugins
from cadre_sdk.store.parameter_files import ParameterFileError, read_parameter_file

READERS = [
    pytest.param(read_year_file, CalendarFileError, "节假日安排文件", id="calendar"),
    pytest.param(lambda path: read_parameter_file(path, make_plugins().book), ParameterFileError,
                 "参数文件", id="parameters"),
]


@pytest.mark.parametrize("read, error, what", READERS)
def test_a_file_saved_in_gbk_is_refused_at_its_first_chinese_line(tmp_path: Path, read, error,
                                                                   what) -> None:
    # the first byte UTF-8 cannot read is on line 2 (the comment), not line 1; the reason in
    # Chinese (not Python's "invalid continuation byte") and how to save it
    path = tmp_path / "2027年.yaml"
    path.write_bytes("year: 2027\nstatus: official  # 国务院办公厅\n".encode("gbk"))
    with pytest.raises(error) as err:
        read(path)
    assert str(err.value).startswith(f"{path}:2: 文件不是 UTF-8 编码（从第 2 行起")
    assert "请用“另存为”把编码选为 UTF-8 后重试。未作任何改动。" in str(err.value)
    assert "invalid" not in str(err.value)
    path.write_bytes(b"\xef\xbb\xbfyear: 2027\n\n" + "# 国务院办公厅\n".encode("gbk"))
    with pytest.raises(error) as err:    # a BOM, then GBK on line 3
        read(path)
    assert str(err.value).startswith(f"{path}:3: ")


@pytest.mark.parametrize("read, error, what", READERS)
def test_a_missing_file_is_named(tmp_path: Path, read, error, what) -> None:
    path = tmp_path / "没有.yaml"
    with pytest.raises(error, match=f"^找不到{what} {path}。$"):
        read(path)


def test_a_bom_is_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfyear: 1999\n")
    with pytest.raises(CalendarFileError) as err:   # read past the BOM: the year is what is wrong
        read_year_file(path)
    assert f"{path}:1: 缺少" in str(err.value) and "UTF-8" not in str(err.value)
