"""The DataModules of each task and what they read: text corpora (text/), sentence pairs (pairs/)
and series; file opening and Hub access beside them."""
