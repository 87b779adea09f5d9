"""equime: reproducible synthetic micro-expression video datasets driven by facial Action Units."""

__version__ = "0.1.0"
