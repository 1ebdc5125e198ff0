"""Tokens the application computes for both databases: they never fail on any text, a query copied
from a document is always made of that document's tokens, and highlights stay inside the text.

Property tests (hypothesis) over arbitrary Unicode, plus the inputs people actually paste:
full-width letters, emoji, control characters, whole documents. Derandomized, like the API fuzz
tests, so a run is repeatable; raise max_examples locally for a deeper look.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zhengxie.textindex import tokens

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
COMMON = st.sampled_from(list("电动自行车充电楼道火灾小区物业学校教育医院停车电梯加装老旧改造政协委员建议"))
PUNCT = st.sampled_from(list("，。！？、；：“”（）《》…—· \n\t"))
LATIN = st.sampled_from(list("abcxyzABCXYZ0123456789ＡＢＣ１２３-_./"))

# Chinese as written: common characters (so bigrams repeat), rare ones, punctuation.
chinese = st.text(alphabet=st.one_of(COMMON, COMMON, CJK, PUNCT), max_size=200)
# Chinese with Latin words and digits mixed in (5G基站, wifi, 2025年).
mixed = st.text(alphabet=st.one_of(COMMON, CJK, PUNCT, LATIN, LATIN), max_size=200)
# Anything at all (hypothesis leaves out lone surrogates, which no str from a request can hold).
anything = st.text(max_size=300)

TOKEN = re.compile(rf"[{tokens._CJK}]+|[a-z0-9]+")
LONG = "关于加快老旧小区加装电梯的建议。" * 625  # 10,000 characters

ODD_INPUTS = [
    "",
    " ",
    "\x00",
    "充\x00电",
    "😀😀",
    "👨‍👩‍👧 家庭",
    "\u200b\u200d\ufeff",
    "\U0010ffff\U000e0001",
    "ＡＢＣ１２３",
    "㈠㎡…℃①",
    "𠀀𠀁𪚥",  # CJK extension B, outside the ranges we segment
    "'; DROP TABLE x; --",
    '"充电',
    "充电 & !电梯 | x:*",
    LONG,
]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(anything)
@example("")
@example("\x00" * 50)
@example("😀" * 5000)
@example(LONG)
@example("a" * 10_000)
def test_tokenising_never_fails_on_any_text(text):
    for fn in (tokens.index_tokens, tokens.query_tokens, tokens.bigrams, tokens.shingles, tokens.cjk_text):
        fn(text)
    tokens.highlight_spans(text, text)


@pytest.mark.parametrize("text", ODD_INPUTS, ids=lambda t: repr(t[:20]))
def test_what_people_paste_tokenises_into_plain_words(text):
    for tok in [*tokens.index_tokens(text), *tokens.query_tokens(text)]:
        assert TOKEN.fullmatch(tok), repr(tok)
    _assert_well_formed(tokens.highlight_spans(text, text), text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(anything)
@example("充电 AND OR NOT")
@example("{title}: 充电")
@example("'充电'")
@example("\x00")
def test_every_token_is_a_plain_word_that_no_query_syntax_can_read(text):
    """The backends quote tokens without escaping, which is safe only for tokens like these."""
    for tok in [*tokens.index_tokens(text), *tokens.query_tokens(text)]:
        assert TOKEN.fullmatch(tok), repr(tok)
        assert len(tok) <= 40


@settings(max_examples=300, deadline=None, derandomize=True)
@given(chinese)
def test_a_chinese_document_matches_a_query_copied_from_it_whole(text):
    assert set(tokens.query_tokens(text)) <= set(tokens.index_tokens(text))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(chinese, st.data())
def test_a_chinese_document_matches_any_passage_copied_from_it(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert set(tokens.query_tokens(text[start:end])) <= set(tokens.index_tokens(text))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(mixed)
@example("充" * 60 + "wifiabc")  # the query cut at 64 characters must not split a Latin word
@example("5G基站" * 12 + "wi-fi覆盖")
def test_a_document_with_latin_words_matches_a_query_copied_from_it_whole(text):
    assert set(tokens.query_tokens(text)) <= set(tokens.index_tokens(text))


def test_a_long_title_ending_in_a_latin_word_is_still_found_by_pasting_it():
    title = "推广智慧校园、" * 8 + "smartcampus平台"
    assert len(title) > tokens.MAX_QUERY_CHARS > title.index("smartcampus")
    assert "smartcampus" in tokens.query_tokens(title)
    assert set(tokens.query_tokens(title)) <= set(tokens.index_tokens(title))


def test_full_width_letters_and_digits_are_the_same_as_ascii():
    assert tokens.index_tokens("ＡＢＣ１２３") == tokens.index_tokens("abc123") == ["abc123"]
    assert tokens.query_tokens("ＡＢＣ１２３") == tokens.query_tokens("ABC123") == ["abc123"]
    assert tokens.query_tokens("５Ｇ基站") == tokens.query_tokens("5g基站") == ["5g", "基站"]


def test_a_chinese_phrase_becomes_its_bigrams_and_a_single_character_stays_itself():
    assert tokens.query_tokens("电动自行车") == ["电动", "动自", "自行", "行车"]
    assert tokens.query_tokens("电") == ["电"]
    assert {"电", "动", "电动", "动自", "自行", "行车", "车"} <= set(tokens.index_tokens("电动自行车"))


def test_mixed_text_splits_into_latin_words_and_chinese_bigrams():
    assert tokens.query_tokens("5G基站wifi覆盖") == ["5g", "基站", "wifi", "覆盖"]


def test_a_hyphenated_word_is_also_findable_written_as_one_word():
    assert {"wi", "fi", "wifi"} <= set(tokens.index_tokens("公共场所Wi-Fi覆盖"))
    assert {"covid", "19", "covid19"} <= set(tokens.index_tokens("COVID-19疫情"))


def test_punctuation_stopwords_and_emoji_leave_nothing_to_search_but_the_characters():
    assert tokens.query_tokens("。。。！！") == []
    assert tokens.query_tokens("😀😀") == []
    assert tokens.query_tokens("") == []
    assert tokens.query_tokens("的") == ["的"]


def test_control_characters_are_dropped_not_kept_as_tokens():
    assert tokens.normalize("充\x00电\x07") == "充电"
    assert "充电" in tokens.index_tokens("充\x00电")


def test_a_query_is_cut_to_a_bounded_number_of_tokens():
    assert len(tokens.query_tokens(LONG)) <= tokens.MAX_QUERY_TOKENS
    assert len(tokens.query_tokens("".join(chr(0x4E00 + i) for i in range(100)))) == tokens.MAX_QUERY_TOKENS


def _assert_well_formed(spans, text):
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end < start  # sorted, not overlapping, touching spans merged


@settings(max_examples=300, deadline=None, derandomize=True)
@given(anything, anything)
@example("ＡＢＣ１２３ abc", "abc")
@example("㈠㎡…充电", "充电")
@example("İstanbul ﬁle", "istanbul file")
def test_highlight_spans_are_within_the_text_sorted_and_not_overlapping(text, query):
    _assert_well_formed(tokens.highlight_spans(text, query), text)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(mixed, st.data())
def test_highlight_spans_of_a_copied_passage_are_well_formed(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    _assert_well_formed(tokens.highlight_spans(text, text[start:end]), text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet=st.one_of(COMMON, CJK), min_size=2, max_size=30), chinese, chinese)
def test_a_copied_chinese_phrase_is_highlighted_where_it_occurs(phrase, before, after):
    text = before + "，" + phrase + "。" + after
    pos = len(before) + 1
    covered = {i for s, e in tokens.highlight_spans(text, phrase) for i in range(s, e)}
    assert set(range(pos, pos + min(len(phrase), tokens.MAX_QUERY_TOKENS + 1))) <= covered


def test_full_width_letters_are_highlighted_in_place():
    text = "建设ＡＢＣ１２３平台"
    assert tokens.highlight_spans(text, "abc123") == [(2, 8)]


def test_shingles_and_bigrams_ignore_punctuation_and_latin():
    assert tokens.cjk_text("电动，自行车 abc！") == "电动自行车"
    assert tokens.shingles("电动，自行车") == {"电动自行", "动自行车"}
    assert tokens.bigrams("充电充电") == {"充电": 2, "电充": 1}
