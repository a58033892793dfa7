"""Decision-boundary pictures: the regions and the points share two colours; the extent follows the data.

The checks read the rendered pixels: a point's centre pixel has its class's
colour, and the region beside it, un-blended from white, has that same colour
(before, the regions were Spectral(0.25)/(0.75) under points Spectral(0)/(1)).
"""
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nets.plots import REGION_ALPHA, boundary_extent, class_colours, draw_decision_boundary


class SplitAtZero:
    """A stand-in model: class 1 right of x1 = 0."""

    def predict(self, X):
        return (np.asarray(X)[0:1] > 0).astype(np.int64)


def render(X, Y, model=SplitAtZero()):
    fig = Figure(figsize=(4, 4), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw_decision_boundary(ax, model, X, Y, resolution=120)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].astype(float) / 255
    height = pixels.shape[0]

    def pixel_at(x, y, dx=0, dy=0):
        px, py = ax.transData.transform((x, y))
        return pixels[int(round(height - py)) + dy, int(round(px)) + dx]

    return ax, pixel_at


def test_each_point_sits_on_its_own_class_colour():
    # points well inside their class's region; one misclassified point (label 0 on the right)
    X = np.array([[-2.0, -1.5, 1.5, 2.0, 1.0], [0.5, -0.5, 0.5, -0.5, 1.0]])
    Y = np.array([[0, 0, 1, 1, 0]])
    _, pixel_at = render(X, Y)
    colours = [np.array(c[:3]) for c in class_colours()]
    for (x, y), label in zip(X.T, Y[0]):
        np.testing.assert_allclose(pixel_at(x, y), colours[label], atol=0.02)
        # the region 8 pixels to the side, under its alpha over white, un-blended
        region = pixel_at(x, y, dx=8)
        predicted = int(x > 0)
        unblended = (region - (1 - REGION_ALPHA)) / REGION_ALPHA
        np.testing.assert_allclose(unblended, colours[predicted], atol=0.03)
        if label == predicted:
            np.testing.assert_allclose(unblended, pixel_at(x, y), atol=0.03)


def test_the_two_classes_have_distinct_colours():
    a, b = (np.array(c[:3]) for c in class_colours())
    assert np.abs(a - b).max() > 0.3


@pytest.mark.parametrize("spread", [0.9, 8.0])
def test_extent_is_padded_in_proportion_to_the_spread(spread):
    rng = np.random.RandomState(0)
    X = rng.rand(2, 50) * spread - spread / 3
    x_min, x_max, y_min, y_max = boundary_extent(X)
    for low, high, row in ((x_min, x_max, X[0]), (y_min, y_max, X[1])):
        width = row.max() - row.min()
        assert low == pytest.approx(row.min() - 0.1 * width) and high == pytest.approx(row.max() + 0.1 * width)
    ax, _ = render(X, (X[0:1] > 0).astype(int))
    assert ax.get_xlim() == pytest.approx((x_min, x_max))
    # the data fills most of the picture (a pad of 1 on a 0.9-wide set left it a third)
    assert (X[0].max() - X[0].min()) / (x_max - x_min) == pytest.approx(1 / 1.2)


def test_extent_of_the_course2_regularisation_set_is_near_the_courses_figure():
    # the course's figure: x in [-0.75, 0.40], y in [-0.75, 0.65]; the data's range, written out
    X = np.array([[-0.596774, 0.297235], [-0.657895, 0.573392]])
    x_min, x_max, y_min, y_max = boundary_extent(X)
    for ours, theirs in zip((x_min, x_max, y_min, y_max), (-0.75, 0.40, -0.75, 0.65)):
        assert abs(ours - theirs) < 0.1


def test_points_on_a_line_still_get_an_extent():
    X = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])
    assert boundary_extent(X)[:2] == (0.0, 2.0)
