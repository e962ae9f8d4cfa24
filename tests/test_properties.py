"""Properties that must hold for any input: vocabulary round trips, seq2seq padding, the wikitext
cleaner, split sizes and sentence splitting."""

import io
import string
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.data.splits import split_sizes
from rnnlab.data.text.corpus import count_chars
from rnnlab.data.text.vocab import UNKNOWN, CharVocab
from rnnlab.data.text.wiki_cloze import sentences_of, split_sentences
from rnnlab.data.text.wikipedia import clean_wikitext
from rnnlab.data.tokens import EOS, PAD, START
from rnnlab.data.tokens import SEQ2SEQ_SPECIALS as SPECIALS
from rnnlab.data.words import decoder_tokens, encoder_tokens, pad_to, tokenize

quick = settings(max_examples=150, deadline=None)

known_chars = st.lists(
    st.characters(exclude_characters=UNKNOWN), min_size=1, max_size=40, unique=True
)
words = st.lists(st.text(min_size=1, max_size=6).filter(lambda w: w not in SPECIALS), max_size=12)


@pytest.mark.slow
@quick
@given(chars=known_chars, text=st.text(max_size=200))
def test_char_vocab_round_trips_known_characters_and_folds_the_rest_into_unknown(
    chars: list[str], text: str
):
    vocab = CharVocab([UNKNOWN, *chars])
    ids = vocab.encode(text)
    assert len(ids) == len(text)
    assert vocab.decode(ids) == "".join(c if c in vocab.index else UNKNOWN for c in text)


@quick
@given(text=st.text(max_size=300), min_count=st.integers(1, 4))
def test_counting_and_building_a_vocab_match_counter_for_any_text(text: str, min_count: int):
    assert count_chars(text) == Counter(text)
    vocab = CharVocab.from_counts(count_chars(text), min_count)
    for c, n in Counter(text).items():
        assert (c in vocab.index) == (n >= min_count or c == UNKNOWN)


@quick
@given(tokens=words, length=st.integers(0, 15))
def test_pad_to_cuts_or_pads_to_exactly_the_length(tokens: list[str], length: int):
    padded = pad_to(tokens, length)
    kept = min(len(tokens), length)
    assert padded == tokens[:kept] + [PAD] * (length - kept)


@quick
@given(source=words, length=st.integers(1, 15))
def test_encoder_tokens_are_a_source_prefix_then_eos_then_padding(source: list[str], length: int):
    tokens = encoder_tokens(source, length)
    kept = min(len(source), length - 1)
    assert len(tokens) == length
    assert tokens == source[:kept] + [EOS] + [PAD] * (length - kept - 1)
    assert encoder_tokens(source) == [*source, EOS]


@quick
@given(target=words, length=st.integers(2, 15))
def test_decoder_tokens_start_end_pad_and_shift_by_one(target: list[str], length: int):
    inputs, outputs = decoder_tokens(target, length)
    kept = min(len(target), length - 2)
    assert len(inputs) == len(outputs) == length
    assert inputs == [START, *target[:kept], EOS] + [PAD] * (length - kept - 2)
    assert outputs == [*inputs[1:], PAD]
    assert decoder_tokens(target) == ([START, *target], [*target, EOS])


MARKUP = ["[[", "]]", "{{", "}}", "{|", "|}", "|", "'''", "''", "<ref>", "</ref>", "<!--", "-->"]
MARKUP += ["\n", "==", "*", "&"]


@quick
@given(pieces=st.lists(st.one_of(st.text(max_size=6), st.sampled_from(MARKUP)), max_size=40))
def test_the_cleaner_returns_tidy_text_for_any_input(pieces: list[str]):
    cleaned = clean_wikitext("".join(pieces))
    assert cleaned == cleaned.strip() and "\n\n\n" not in cleaned


plain = st.text(alphabet=string.ascii_letters + string.digits + " .,?()", min_size=1, max_size=8)


def _nested(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds("[[{}|{}]]".format, plain, inner),
        st.builds("[[File:{}.jpg|thumb|{}]]".format, plain, inner),
        st.builds("'''{}'''".format, inner),
        st.builds("''{}''".format, inner),
        st.builds("{{{{{}|{}}}}}".format, plain, inner),
        st.builds("<ref>{}</ref>".format, inner),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    )


inline = st.recursive(st.one_of(plain, st.builds("[[{}]]".format, plain)), _nested, max_leaves=8)
articles = st.lists(
    st.one_of(inline, st.builds("\n== {} ==\n".format, plain)), min_size=1, max_size=6
).map("".join)


@quick
@given(article=articles)
def test_well_formed_markup_leaves_no_link_template_or_bold_marks(article: str):
    cleaned = clean_wikitext(article)
    for residue in ("[[", "]]", "{{", "}}", "'''"):
        assert residue not in cleaned, (residue, article)


@quick
@given(
    n=st.integers(0, 10**9),
    val=st.floats(0.001, 0.499),
    test=st.floats(0.001, 0.499),
)
def test_split_sizes_cover_every_item_once_with_val_and_test_rounded_down(
    n: int, val: float, test: float
):
    n_train, n_val, n_test = split_sizes(n, val, test)
    assert (n_val, n_test) == (int(n * val), int(n * test))
    assert n_train + n_val + n_test == n and min(n_train, n_val, n_test) >= 0


@quick
@given(text=st.text(alphabet="ab .!?\n\t", max_size=300))
def test_sentences_read_line_by_line_are_the_sentences_of_the_whole_text(text: str):
    whole = [tokenize(s) for s in split_sentences(text)]
    assert sentences_of(io.StringIO(text), 1, 99) == [s for s in whole if 1 <= len(s) <= 99]
