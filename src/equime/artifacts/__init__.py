"""The pipeline's files, one module per stage output: its location (``PATH``, as in dvc.yaml),
what it holds (``FILES``), its columns and types, its one reader and its one writer.

Stages import the artifacts they read and write, never the package that produced them.
"""
