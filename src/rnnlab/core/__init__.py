"""What every layer uses: user errors, settings' types, cores, probes, Lightning internals."""
