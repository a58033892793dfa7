"""Moved to :mod:`nets.data.pictures`; ``nets.pictures`` stays importable as the same module."""
import sys

from .data import pictures

sys.modules[__name__] = pictures
