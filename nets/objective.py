"""Moved to :mod:`nets.model.objective`; ``nets.objective`` stays importable as the same module."""
import sys

from .model import objective

sys.modules[__name__] = objective
