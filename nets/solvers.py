"""Moved to :mod:`nets.model.solvers`; ``nets.solvers`` stays importable as the same module."""
import sys

from .model import solvers

sys.modules[__name__] = solvers
