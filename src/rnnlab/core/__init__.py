"""What every layer uses: user errors, the settings' type vocabulary, the thread count and
Lightning's internals."""
