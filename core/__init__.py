"""Embedding Studio's engine: text to trained word vectors, with no Qt anywhere in it."""
