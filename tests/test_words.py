from rnnlab.data.pairs.tokenizer import WordTokenizer
from rnnlab.data.tokens import EOS, PAD, START, UNK
from rnnlab.data.words import decoder_tokens, encoder_tokens, tokenize


def test_the_lecture_slide_padding_token_for_token():
    """Encoder of 7 units, decoder of 6: 'hello, how are you' -> 'i am fine'."""
    source, target = tokenize("hello, how are you"), tokenize("i am fine")
    assert encoder_tokens(source, 7) == ["hello", "how", "are", "you", "<EOS>", "<PAD>", "<PAD>"]
    decoder_input, output = decoder_tokens(target, 6)
    assert decoder_input == ["<START>", "i", "am", "fine", "<EOS>", "<PAD>"]
    assert output == ["i", "am", "fine", "<EOS>", "<PAD>", "<PAD>"]


def test_long_sentences_are_cut_but_keep_their_end_markers():
    assert encoder_tokens(list("abcdefgh"), 4) == ["a", "b", "c", EOS]
    assert decoder_tokens(list("abcdefgh"), 4) == ([START, "a", "b", EOS], ["a", "b", EOS, PAD])


def test_without_a_length_nothing_is_padded():
    assert encoder_tokens(["hi"]) == ["hi", EOS]
    assert decoder_tokens(["yo"]) == ([START, "yo"], ["yo", EOS])


def test_tokenize_lowercases_and_drops_punctuation_but_keeps_inner_apostrophes_and_hyphens():
    assert tokenize("Hello, how ARE you?!") == ["hello", "how", "are", "you"]
    assert tokenize("I'm twenty-one.") == ["i'm", "twenty-one"]


def test_the_same_padding_lays_out_ids_with_the_markers_given():
    assert encoder_tokens([7, 8], 4, eos=2, pad=0) == [7, 8, 2, 0]
    assert decoder_tokens([7], 4, start=1, eos=2, pad=0) == ([1, 7, 2, 0], [7, 2, 0, 0])


def test_word_vocab_puts_specials_first_and_maps_unknown_words():
    vocab = WordTokenizer.train(["b a b", "c"], None, min_freq=1)
    assert vocab.vocab[:4] == [PAD, START, EOS, UNK] and vocab.pad == 0
    assert vocab.vocab[4] == "b"  # most frequent first
    assert vocab.encode("A, zebra!") == [vocab.index["a"], vocab.unk]
    ids = [vocab.start, vocab.index["c"], vocab.eos, vocab.index["a"]]
    assert vocab.pieces(ids) == ["c"] and vocab.decode(ids) == "c"
    assert "c" not in WordTokenizer.train(["b a b", "c"], None, min_freq=2).index
