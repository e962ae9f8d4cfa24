"""Text corpora for the character and cloze tasks: sources, preparation, vocabulary, windows."""
