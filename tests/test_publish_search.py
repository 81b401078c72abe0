"""Chinese search: bigram tokens, the MATCH expression, and real searches through Datasette with
names and terms from the seed document."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cadre_sdk.publish.redact import AGGREGATE_ONLY, NAME_MASK
from cadre_sdk.publish.search import match_expression, tokens
from cadre_sdk.publish.testing import PublicationClient
from test_publish_support import NAMES


def test_tokens_are_overlapping_bigrams_after_traditional_to_simplified() -> None:
    assert tokens("尕布龙同志") == "尕布 布龙 龙同 同志 志"
    assert tokens("幹部，C0001 玉树") == "干部 部 c0001 玉树 树"
    assert tokens("龙") == "龙"
    assert tokens(None) == "" and tokens("，。") == ""


def test_match_expression_is_a_phrase_of_bigrams_per_term() -> None:
    assert match_expression("廉福章") == '"廉福 福章"'
    assert match_expression("幹部 玉树") == '"干部" AND "玉树"'
    assert match_expression("龙") == '"龙" *'
    assert match_expression("C0001") == '"c0001"'
    assert match_expression("") == '""' and match_expression("！？") == '""'
    # FTS5 operators typed by a user are quoted as words, never run as syntax.
    assert match_expression('" OR NOT (') == '"or" AND "not"'


@pytest.fixture(scope="module")
def clients(public_db: Path, oversight_db: Path, password_hash: str
            ) -> Iterator[dict[str, PublicationClient]]:
    """In-process Datasette for both levels; oversight requests carry a logged-in cookie."""
    made = {"public": PublicationClient(public_db), "oversight": PublicationClient(oversight_db)}
    yield made
    for client in made.values():
        client.close()


def _search(clients: dict[str, PublicationClient], level: str, q: str) -> list[dict]:
    client = clients[level]
    cookies = {}
    if level == "oversight":
        cookies = {"ds_actor": client.datasette.sign({"a": {"id": "oversight"}}, "actor")}
    return client.json(f"/{level}/search.json", params={"q": q, "_shape": "array"},
                       cookies=cookies)


def test_two_character_terms_find_their_rows(clients: dict) -> None:
    found = {(r["类别"], r["名称"]) for r in _search(clients, "oversight", "玉树")}
    assert {("地区", "玉树藏族自治州"), ("单位", "玉树州农牧局"), ("实绩记录", "A003"),
            ("日常考察记录", "O001")} <= found
    assert {r["记录"] for r in _search(clients, "oversight", "脱贫")} >= {
        '["achievement","A001"]', '["training","T002"]'}
    assert {r["记录"] for r in _search(clients, "oversight", "生态")} >= {
        '["observation","O001"]', '["achievement","A002"]', '["training","T001"]'}
    # The public level has no rows about people or cases: places and units are found, a
    # person's observations, achievements and training and a case's text are not.
    found = {(r["类别"], r["名称"]) for r in _search(clients, "public", "玉树")}
    assert {("地区", "玉树藏族自治州"), ("单位", "玉树州农牧局")} <= found
    assert not any(r["记录"].split('"')[1] in AGGREGATE_ONLY
                   for q in ("玉树", "脱贫", "生态") for r in _search(clients, "public", q))
    assert _search(clients, "public", "改革") == []
    assert {r["记录"] for r in _search(clients, "oversight", "改革")} >= {'["case","K001"]'}


def test_traditional_query_finds_simplified_text(clients: dict) -> None:
    rows = _search(clients, "oversight", "經驗")
    assert [r["记录"] for r in rows] == ['["case","K001"]']
    assert "经验" in rows[0]["内容"]
    assert _search(clients, "public", "經驗") == []      # a case's text is not public
    rows = _search(clients, "oversight", "幹部")
    assert [r["记录"] for r in rows] == ['["observation","O002"]']
    assert "干部" in rows[0]["内容"]
    rows = _search(clients, "public", "農牧局")
    assert ("单位", "玉树州农牧局") in {(r["类别"], r["名称"]) for r in rows}


def test_names_are_searchable_at_oversight_level_only(clients: dict) -> None:
    assert [r["记录"] for r in _search(clients, "oversight", "尕布龙")] == [
        '["cadre","C001"]', '["observation","O001"]']
    assert {r["名称"] for r in _search(clients, "oversight", "廉福章")} == {"廉福章", "A002"}
    # J001's 备注 has the name typed with spaces (尕 布 龙): its last character is a word
    assert {r["名称"] for r in _search(clients, "oversight", "龙")} == {"尕布龙", "J001", "O001"}
    # Names typed with a space inside (廉 福章, 尕 布 龙, 王 芳) are masked before indexing.
    for name in ("尕布龙", "廉福章", "福章", "布龙", "王芳"):
        assert _search(clients, "public", name) == [], name
    # at oversight the case text keeps the name as typed
    shown = " ".join(r["内容"] for r in _search(clients, "oversight", "改革"))
    assert NAME_MASK not in shown and NAMES["C004"] in shown.replace(" ", "")


def test_terms_must_all_match_and_bigrams_in_order(clients: dict) -> None:
    assert [r["名称"] for r in _search(clients, "public", "农牧局 玉树")] == ["玉树州农牧局"]
    assert _search(clients, "public", "牧农") == []
    assert _search(clients, "public", "") == []
    assert _search(clients, "public", '" OR NOT (') == []
