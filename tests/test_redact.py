"""The redactor's masking of ID numbers and names in text cells (public level)."""
from __future__ import annotations

from cadre_sdk.publish.redact import ID_MASK, NAME_MASK, Redactor, mask_id_numbers

ID = "63010219750601001X"        # 17 digits and a check character


def test_id_numbers_are_masked_and_other_digit_runs_are_not() -> None:
    assert mask_id_numbers(f"身份证 {ID} 已核") == f"身份证 {ID_MASK} 已核"
    assert mask_id_numbers("编号 1234567890123456") == "编号 1234567890123456"   # 16 digits
    assert mask_id_numbers("1" * 19) == "1" * 19                                  # too long
    hashed = "subsidy:" + "0123456789" * 2 + "abcdef" * 2
    assert mask_id_numbers(hashed) == hashed                                     # inside a hash


def test_repeated_cells_are_masked_every_time_and_counted_every_time() -> None:
    r = Redactor(["张三丰", "李四"])
    cells = ["张三丰", "科员", f"李四 {ID}", "张三丰", f"李四 {ID}", "科员", None, 3]
    out = [r.text(c) for c in cells]
    assert out == [NAME_MASK, "科员", f"{NAME_MASK} {ID_MASK}", NAME_MASK,
                   f"{NAME_MASK} {ID_MASK}", "科员", None, 3]
    assert r.masked == 4          # four cells changed, two of them answered from memory


def test_long_cells_are_not_remembered_but_still_masked() -> None:
    r = Redactor(["王五"])
    long_text = "说明" * 40 + "王五"
    assert r.text(long_text) == "说明" * 40 + NAME_MASK
    assert r.text(long_text) == "说明" * 40 + NAME_MASK
    assert long_text not in r._seen and r.masked == 2
