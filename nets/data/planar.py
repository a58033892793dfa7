"""Course 1 week 3's "flower": two interleaved petals of 200 points each in the plane, built in.

:func:`make_planar` draws exactly the course's numbers (its ``load_planar_dataset``
seeds numpy's global generator with 1 and draws as described there) from a
``RandomState(1)`` of its own, so that calling it leaves the global random
state alone.
"""
import numpy as np

__all__ = ["PLANAR_POINTS_PER_CLASS", "make_planar"]

PLANAR_POINTS_PER_CLASS = 200


def make_planar():
    """The course's planar data: X (2, 400) float64, Y (1, 400) uint8.

    For class j = 0, 1 (columns 200 j to 200 j + 199), in this order of draws:
    the angle ``t = linspace(3.12 j, 3.12 (j + 1), 200) + 0.2 * randn(200)``,
    the radius ``r = 4 sin(4 t) + 0.2 * randn(200)``, the point
    ``(r sin t, r cos t)`` and the label j. Its first column is
    (1.20444229, 3.57611415).
    """
    rng = np.random.RandomState(1)
    n = PLANAR_POINTS_PER_CLASS
    X = np.empty((2, 2 * n))
    Y = np.empty((1, 2 * n), dtype=np.uint8)
    for label in (0, 1):
        angle = np.linspace(3.12 * label, 3.12 * (label + 1), n) + 0.2 * rng.randn(n)
        radius = 4 * np.sin(4 * angle) + 0.2 * rng.randn(n)
        columns = slice(n * label, n * (label + 1))
        X[0, columns] = radius * np.sin(angle)
        X[1, columns] = radius * np.cos(angle)
        Y[0, columns] = label
    return X, Y
