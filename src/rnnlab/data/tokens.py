"""Special tokens that the data and the models must agree on: one module both import."""

PAD, START, EOS, UNK = "<PAD>", "<START>", "<EOS>", "<UNK>"
BLANK = "<BLANK>"  # the hidden word of a fill-in-the-blank sentence

# PAD comes first everywhere, so id 0 is padding and zero-filled tensors are padded rows.
SEQ2SEQ_SPECIALS = (PAD, START, EOS, UNK)
CLOZE_SPECIALS = (PAD, UNK, BLANK)
