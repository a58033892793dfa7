"""Moved to :mod:`nets.model.sampling`; ``nets.sampling`` stays importable as the same module."""
import sys

from .model import sampling

sys.modules[__name__] = sampling
