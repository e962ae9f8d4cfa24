"""The DataModules and what they read: text corpora, sentence pairs, series; files and the Hub."""
