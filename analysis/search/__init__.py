"""ausearch: options, matching and output, reproducing the reference tool."""
