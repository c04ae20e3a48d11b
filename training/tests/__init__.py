"""@file Unit tests of the training recipe: `/usr/bin/python3 -m unittest discover -s training/tests -t .` from the repo root."""
