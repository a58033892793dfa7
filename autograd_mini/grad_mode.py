"""Switching graph recording off: ``no_grad``."""
from __future__ import annotations

import functools


class _GradMode:
    # A tiny mutable holder so that every module reads the same flags.
    enabled = True
    #: True while a Replay traces: ops on constants are recorded as well.
    tracing = False


def is_grad_enabled() -> bool:
    """Whether ops are currently recorded in the graph."""
    return _GradMode.enabled


class no_grad:
    """Context manager and decorator: inside it nothing is recorded.

    Results of ops computed inside do not require grad and keep no reference
    to their inputs, so no memory is held for a backward pass::

        with no_grad():
            W.data -= lr * W.grad          # or any evaluation

        @no_grad            # or @no_grad()
        def predict(X): ...
    """

    def __new__(cls, func=None):
        if func is not None:  # used as a bare decorator: @no_grad
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func=None):
        # A stack, so that one instance can be entered again while inside itself.
        self._previous = []

    def __enter__(self):
        self._previous.append(_GradMode.enabled)
        _GradMode.enabled = False
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous.pop()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with no_grad():
                return func(*args, **kwargs)

        return wrapper


class enable_grad:
    """Context manager: ops are recorded inside it, even within :class:`no_grad`.

    The engine uses it to record gradients with ``create_graph=True`` whatever
    the caller's mode.
    """

    def __init__(self):
        self._previous = []

    def __enter__(self):
        self._previous.append(_GradMode.enabled)
        _GradMode.enabled = True
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous.pop()
        return False
