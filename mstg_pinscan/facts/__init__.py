"""Facts stage: one parser per kind of input, each returning plain typed values."""
