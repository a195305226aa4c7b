"""The column-wise duplicate-text rules equal the per-row ones they replace (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import automation as auto

# Texts where Python's Unicode rules and RE2's ASCII ones part ways, and the
# separator the joined pass relies on.
VARIED = [
    "Buy NOW @bob https://x.y/1  !",
    "RT @user_1: great launch #AI https://t.co/abc",
    "  leading and trailing\t\n",
    "vertical\x0btab and\x1cfile\x1dgroup\x1erecord\x1funit separators",
    "www.example.com/path?x=1 then text",
    "http:// bare scheme and https://a.b/c,d",
    "@ alone, @_ and @123 and a@b.c mail",
    "ΟΔΟΣ ΣΟΦΟΣ final sigma Σ",
    "İstanbul ǅemal ﬁne straße",
    "café @café @cafe\u0301 combining",
    "non\u00a0breaking\u2003em\u3000ideographic\u2028line",
    "emoji 🎉🎉 @émilie https://ü.de/ä",
    "mixed @日本語ユーザー テキスト　です",
    "@abchttps://x.y inside a mention",
    "",
    "   ",
    "\x85next line",
    "😀",
    "https://only.a/url",
    "@only_a_mention",
]


def per_row(texts) -> list[str]:
    return [auto.normalize_text(t) for t in texts]


def test_normalize_texts_equals_the_per_row_rule_on_varied_texts():
    got = auto.normalize_texts(pd.Series(VARIED))
    assert got.tolist() == per_row(VARIED)
    assert got.tolist()[0] == "buy now !"


def test_normalize_texts_ascii_and_unicode_rows_keep_their_order_and_index():
    texts = pd.Series(["A @x", "Σ é", "B  c", "ΣΑ"], index=[10, 3, 7, 1], dtype="str")
    got = auto.normalize_texts(texts)
    assert got.index.tolist() == [10, 3, 7, 1]
    assert got.tolist() == ["a", "σ é", "b c", "σα"]


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_normalize_texts_in_slices_on_threads_equals_one_pass(threads):
    texts = [f"Post {i} @u{i} https://t.co/{i}  #Tag{i % 7}" for i in range(50)] + ["Σ é"] * 3
    assert auto.normalize_texts(pd.Series(texts), threads=threads).tolist() == per_row(texts)
    ascii_only = texts[:50]
    assert auto.normalize_texts(pd.Series(ascii_only), threads=threads).tolist() == per_row(ascii_only)


def test_normalize_texts_row_by_row_when_a_text_holds_the_separator():
    texts = ["é\x1fΣ", "ΟΔΟΣ\x1fa", "plain"]
    assert auto.normalize_texts(pd.Series(texts)).tolist() == per_row(texts)


_ALPHABET = st.sampled_from(list("aZ09_@:/.#wht ps") + ["http://", "https://", "www.", " ", "\t",
                                                        "\x0b", "\x1c", "\x1f", "\x85", "\u00a0",
                                                        "\u2003", "Σ", "σ", "İ", "é", "e\u0301",
                                                        "日", "🎉", "ǅ", "ß", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ALPHABET, max_size=12).map("".join), min_size=1, max_size=8))
def test_normalize_texts_equals_the_per_row_rule_on_generated_texts(texts):
    assert auto.normalize_texts(pd.Series(texts)).tolist() == per_row(texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=6))
def test_normalize_texts_equals_the_per_row_rule_on_any_unicode(texts):
    assert auto.normalize_texts(pd.Series(texts, dtype=object)).tolist() == per_row(texts)


def reference_share(posts: pd.DataFrame, min_posts: int = auto.MIN_TEXT_POSTS) -> pd.Series:
    """The group-by form duplicate_text_share had before it used integer codes.

    A post whose rows carry different texts counts with its smallest text.
    """
    df = posts.loc[posts["text"].notna(), ["source", "post_id", "text"]]
    df = df[df["text"].astype(str).str.strip() != ""]
    df = df.sort_values("text", kind="stable").drop_duplicates(["source", "post_id"]).sort_index()
    raw = df["text"].astype(str)
    norm = raw.map(auto.normalize_text)
    promo = raw.str.contains(auto._PROMO)
    df = df.assign(norm=norm, w=np.where(promo, 1.0, auto.PLAIN_REPEAT_WEIGHT))[norm != ""]
    n_posts = df.groupby("source").size()
    repeated = df.groupby(["source", "norm"])["norm"].transform("size") > 1
    dup_posts = df.loc[repeated].groupby("source")["w"].sum()
    share = (dup_posts.reindex(n_posts.index, fill_value=0.0) / n_posts).astype(float)
    share[n_posts < min_posts] = 0.0
    return share


def test_duplicate_text_share_equals_the_group_by_form():
    rng = np.random.default_rng(7)
    n = 3000
    texts = np.array(VARIED + ["Thanks for sharing!", "thanks  for SHARING!", "Big sale #deal",
                               "big sale #deal https://t.co/x", "@someone"], dtype=object)
    posts = pd.DataFrame({
        "source": rng.choice([f"x:{i}" for i in range(40)], n),
        "post_id": rng.integers(0, 900, n).astype(str),
        "text": texts[rng.integers(0, len(texts), n)],
    })
    posts.loc[rng.random(n) < 0.05, "text"] = None
    few = pd.DataFrame({"source": ["x:few"] * 3 + ["x:unique"] * 6, "post_id": list("abcdefghi"),
                        "text": ["same"] * 3 + [f"text {i}" for i in range(6)]})
    posts = pd.concat([posts, few], ignore_index=True)
    got = auto.duplicate_text_share(posts)
    want = reference_share(posts)
    pd.testing.assert_series_equal(got, want, check_index_type=False)
    assert (got > 0).any() and (got == 0).any()


def test_duplicate_text_share_leaves_out_sources_whose_texts_normalise_to_nothing():
    posts = pd.DataFrame({"source": ["x:a"] * 5 + ["x:b"] * 5,
                          "post_id": [str(i) for i in range(10)],
                          "text": ["@a"] * 5 + ["hi"] * 5})
    share = auto.duplicate_text_share(posts)
    assert share.index.tolist() == ["x:b"]
    assert share["x:b"] == pytest.approx(0.5)


def test_duplicate_text_share_does_not_depend_on_the_order_of_the_rows():
    # Stores may return the texts in any order (interactions(ordered=False)).
    rng = np.random.default_rng(11)
    n = 2000
    texts = np.array(VARIED + ["Thanks for sharing!", "Big sale #deal", "other"], dtype=object)
    posts = pd.DataFrame({
        "source": rng.choice([f"x:{i}" for i in range(30)], n),
        "post_id": rng.integers(0, 700, n).astype(str),
        "text": texts[rng.integers(0, len(texts), n)],
    })
    # The rows of one post carry one text (one row per target) ...
    posts["text"] = posts.groupby(["source", "post_id"])["text"].transform("first")
    # ... except a few posts whose rows disagree (an edited post read twice).
    posts.loc[rng.choice(n, 40, replace=False), "text"] = "edited #once"
    base = auto.duplicate_text_share(posts)
    assert (base > 0).any()
    for seed in range(5):
        shuffled = posts.iloc[np.random.default_rng(seed).permutation(n)]
        pd.testing.assert_series_equal(auto.duplicate_text_share(shuffled), base)
        pd.testing.assert_series_equal(auto.duplicate_text_share(shuffled.astype("str")), base)


def test_a_post_whose_rows_disagree_counts_its_smallest_text_once():
    posts = pd.DataFrame({"source": ["x:a"] * 6, "post_id": ["1", "1", "2", "3", "4", "5"],
                          "text": ["zz unique", "buy #now", "buy #now", "hi", "hey", "yo"]})
    share = auto.duplicate_text_share(posts)
    # posts 1 and 2 both say "buy #now" (a promotion repeat): 2 of 5 posts
    assert share["x:a"] == pytest.approx(2 / 5)
    assert auto.duplicate_text_share(posts.iloc[::-1])["x:a"] == pytest.approx(2 / 5)


@pytest.mark.parametrize("dtype", ["str", object])
def test_blank_texts_and_rows_without_a_source_are_left_out(dtype):
    """Texts that are empty or only white space (any Unicode space) and rows without a
    source count for nothing, on Arrow-backed and plain object columns alike."""
    blanks = ["", "   ", "\u00a0\u2003", "\t\n", "\u3000", "\x1c"]
    same = "buy now #deal"
    posts = pd.DataFrame({
        "source": ["a"] * 6 + [None] * 3 + ["b"] * len(blanks),
        "post_id": [f"a{i}" for i in range(6)] + ["n1", "n2", "n3"] + [f"b{i}" for i in range(len(blanks))],
        "text": [same, same, same, "other one", "two", None, same, same, same] + blanks,
    }).astype({"source": dtype, "post_id": dtype, "text": dtype})
    share = auto.duplicate_text_share(posts, min_posts=1)
    # "a": 5 posts with text, 3 of them the same promotion; "b" has no text at all.
    assert share.to_dict() == {"a": pytest.approx(3 / 5)}


def varied_posts(seed: int, n: int, sources: int) -> pd.DataFrame:
    """Posts over ``sources`` accounts with repeats, blanks, missing texts and posts whose
    rows disagree."""
    rng = np.random.default_rng(seed)
    texts = np.array(VARIED + ["Thanks for sharing!", "Big sale #deal", "other", "   "], dtype=object)
    posts = pd.DataFrame({
        "source": rng.choice([f"x:{i}" for i in range(sources)], n),
        "post_id": rng.integers(0, n // 3, n).astype(str),
        "text": texts[rng.integers(0, len(texts), n)],
    })
    posts.loc[rng.random(n) < 0.05, "text"] = None
    posts.loc[rng.random(n) < 0.02, "source"] = None
    return posts


@pytest.mark.parametrize("slice_rows", [1, 2, 7, 100, 10**9])
def test_the_share_does_not_depend_on_its_slices(monkeypatch, slice_rows):
    posts = varied_posts(3, 1500, 25)
    want = reference_share(posts.dropna(subset=["source"]))
    monkeypatch.setattr(auto, "SHARE_SLICE_ROWS", slice_rows)
    got = auto.duplicate_text_share(posts)
    pd.testing.assert_series_equal(got, want, check_index_type=False)
    assert (got > 0).any()


def test_source_slices_keep_each_source_whole_and_every_row_once():
    codes = np.array([0, 2, 1, 0, 3, 3, 3, 3, 2, 1, 0, 4])
    parts = auto._source_slices(codes, 4)
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(codes)))
    owners = [set(codes[p].tolist()) for p in parts]
    assert all(a.isdisjoint(b) for i, a in enumerate(owners) for b in owners[i + 1:])
    assert all((np.diff(p) > 0).all() for p in parts)  # row order within a slice
    assert len(parts) > 1
    # a slice ends after the source that crosses its size: at most size + one source's rows
    assert max(len(p) for p in parts) <= 4 + np.bincount(codes).max()
    assert [len(p) for p in auto._source_slices(codes, 100)] == [len(codes)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 6),
                          st.sampled_from(["buy #x", "hi", "Hi ", "", None, "@a", "ok https://t.co/1"])),
                min_size=1, max_size=40),
       st.integers(1, 8))
def test_any_slicing_gives_the_one_slice_answer(rows, slice_rows):
    posts = pd.DataFrame(rows, columns=["source", "post_id", "text"]).astype({"post_id": str})
    whole = auto.duplicate_text_share(posts, min_posts=1)
    saved = auto.SHARE_SLICE_ROWS
    auto.SHARE_SLICE_ROWS = slice_rows
    try:
        sliced = auto.duplicate_text_share(posts, min_posts=1)
    finally:
        auto.SHARE_SLICE_ROWS = saved
    pd.testing.assert_series_equal(sliced, whole)


def test_accounts_restricts_the_share_as_filtering_the_rows_would():
    posts = varied_posts(5, 1200, 20)
    chosen = ["x:3", "x:7", "x:11", "x:nobody"]
    filtered = posts[posts["source"].isin(chosen)]
    got = auto.duplicate_text_share(posts, accounts=chosen)
    pd.testing.assert_series_equal(got, auto.duplicate_text_share(filtered))
    assert set(got.index) == {"x:3", "x:7", "x:11"} and (got > 0).any()
    assert auto.duplicate_text_share(posts, accounts=[]).empty
