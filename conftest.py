"""Repository-level pytest configuration: what doctest collection must not import."""

collect_ignore = ["src/rairlab/__main__.py"]
