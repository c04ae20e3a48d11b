"""@file Marks training/ as a package so each stage runs as `python3 -m training.<stage>` from the
repository root and later stages can import the shared pieces (config, corpus, tokenizer, model).
"""
