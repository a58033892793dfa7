"""make_planar against the course's recipe, rewritten here from the issue's description."""
import numpy as np

from nets.data import make_planar


def recipe():
    # numpy's global generator seeded with 1, as the course does; the points
    # built row by row as (m, 2) and transposed at the end, as the course does.
    state = np.random.get_state()
    try:
        np.random.seed(1)
        rows, labels = [], []
        for j in range(2):
            t = np.linspace(3.12 * j, 3.12 * (j + 1), 200) + np.random.randn(200) * 0.2
            r = 4 * np.sin(4 * t) + np.random.randn(200) * 0.2
            rows.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
            labels.append(np.full((200, 1), j, dtype="uint8"))
        return np.concatenate(rows).T, np.concatenate(labels).T
    finally:
        np.random.set_state(state)


def test_make_planar_is_the_recipe_exactly():
    X, Y = make_planar()
    X_ref, Y_ref = recipe()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert X.dtype == np.float64 and Y.dtype == np.uint8
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)
    # the course's printed first column
    np.testing.assert_allclose(X[:, 0], [1.20444229, 3.57611415], atol=5e-9)
    assert Y[0, :200].sum() == 0 and Y[0, 200:].sum() == 200


def test_make_planar_leaves_the_global_generator_alone_and_returns_fresh_arrays():
    np.random.seed(5)
    expected = np.random.rand(3)
    np.random.seed(5)
    X, Y = make_planar()
    assert np.array_equal(np.random.rand(3), expected)
    X[0, 0] = 99.0
    assert make_planar()[0][0, 0] != 99.0
