"""nets.data.pictures: a user's own pictures read safely (size limits, damaged files) and right (modes, EXIF, resampling).

References are built independently of Pillow's reading path where it matters:
colour conversions by their formulas in numpy, EXIF orientations from the EXIF
specification's definitions with numpy flips and rotations, decompression
bombs as PNG bytes written by hand.
"""
import io
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps, features

from nets import BinaryClassifier, make_synthetic_catvnoncat
from nets.data import pictures
from nets.data import DataError
from nets.data.pictures import MAX_PICTURE_PIXELS, PictureTooLargeError, load_picture, picture_files, read_picture

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------------
# Helpers: pictures as bytes
# ---------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, idat_bytes: int = 200_000) -> bytes:
    """An 8-bit RGB PNG declaring width x height whose pixel data is ~idat_bytes of deflated zeros.

    Each 1 MiB of zeros deflates to about 1 KB, and a full flush makes the
    compressed segment independent of what precedes it, so repeating it is a
    valid stream of many MiB of zeros (a decoder would run out of data long
    before the declared size, but only after allocating it).
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    deflate = zlib.compressobj(9)
    segment = deflate.compress(b"\0" * (1 << 20)) + deflate.flush(zlib.Z_FULL_FLUSH)
    header = segment[:2]  # the zlib header, once
    body = segment[2:]
    idat = header + body * max(1, idat_bytes // len(body))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def png_rgb16(pixels: np.ndarray) -> bytes:
    """A 16-bit-per-channel RGB PNG, written by hand (Pillow cannot write one)."""
    h, w, _ = pixels.shape
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    rows = b"".join(b"\0" + pixels[i].astype(">u2").tobytes() for i in range(h))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(rows))
            + png_chunk(b"IEND", b""))


def jpeg_with_declared_size(width: int, height: int) -> bytes:
    """A small valid JPEG whose frame header (SOF0) is patched to declare width x height."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    # SOF0: marker, length (2), precision (1), height (2), width (2)
    data[sof + 5:sof + 7] = struct.pack(">H", height)
    data[sof + 7:sof + 9] = struct.pack(">H", width)
    return bytes(data)


def smooth_picture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A (h, w, 3) uint8 picture of smooth colour gradients and blobs (compresses well, survives JPEG)."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    channels = []
    for _ in range(3):
        a, b, c, d = rng.uniform(1, 4, size=4)
        channels.append(0.5 + 0.25 * np.sin(a * 3 * x + b) + 0.25 * np.cos(c * 3 * y + d))
    return np.clip(np.rint(np.stack(channels, axis=2) * 255), 0, 255).astype(np.uint8)


def save(array_or_image, path, format=None, **options):
    image = array_or_image if isinstance(array_or_image, Image.Image) else Image.fromarray(array_or_image)
    image.save(path, format, **options)
    return path


# ---------------------------------------------------------------------------
# A model that takes 64x64 pictures, trained on the synthetic data
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model64(tmp_path_factory):
    """(model, path, test images): [12288, 7, 1] trained briefly; it separates the synthetic test set."""
    train_x, train_y, _, _, _ = make_synthetic_catvnoncat(seed=9, n_train=100, n_test=1)
    from nets.data import make_synthetic_catvnoncat_images

    test_images = make_synthetic_catvnoncat_images(seed=4, n_train=1, n_test=12)[2]
    model = BinaryClassifier([12288, 7, 1], seed=1)
    model.fit(train_x, train_y, learning_rate=0.0075, iterations=300, print_every=300)
    path = tmp_path_factory.mktemp("model64") / "model.h5"
    model.save(path)
    return model, path, test_images


def p_cat(model, pixels):
    return float(model.predict_proba(pixels.reshape(-1, 1) / 255.0)[0, 0])


# ---------------------------------------------------------------------------
# Decompression bombs and limits
# ---------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_from_its_header_in_a_small_process(tmp_path, model64):
    """`nets predict` on a 200 KB PNG declaring 40000 x 40000 pixels (4.8 GB decoded).

    Run under a 1 GiB address-space limit: an implementation that decodes the
    picture fails to allocate instead of taking the machine down, and its
    message ("not enough memory") is not the refusal this test asks for.
    """
    resource = pytest.importorskip("resource")
    _, model_path, _ = model64
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(40000, 40000))
    assert bomb.stat().st_size < 250_000

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run([sys.executable, "-m", "nets", "predict", "--model", str(model_path), str(bomb)],
                          capture_output=True, text=True, preexec_fn=limit, timeout=60,
                          env={**os.environ, "PYTHONPATH": ROOT, "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"nets: error: {bomb}: ") and "decompression bomb" in lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize("make, declared", [
    (lambda: png_bomb(40000, 40000), "Pillow's own limit"),
    (lambda: png_bomb(8000, 6251), "just above ours, below Pillow's"),
    (lambda: jpeg_with_declared_size(60000, 60000), "Pillow's own limit"),
    (lambda: jpeg_with_declared_size(10000, 5001), "just above ours, below Pillow's"),
])
def test_too_many_declared_pixels_are_refused_before_decoding(tmp_path, monkeypatch, make, declared):
    path = tmp_path / "big.png"
    path.write_bytes(make())
    # Nothing may be decoded: make every decode fail loudly.
    from PIL import ImageFile

    def no_decoding(self, *args, **kwargs):  # pragma: no cover - called only by a wrong implementation
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(PictureTooLargeError, match="megapixels") as info:
        read_picture(path, 64)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_the_limit_itself_is_accepted(tmp_path):
    # 50 megapixels exactly would cost a 150 MB decode in a test; the check is on the product,
    # so a picture of MAX_PICTURE_PIXELS / 10_000 x 1 ... is read at a small cost instead.
    width = 10_000
    height = MAX_PICTURE_PIXELS // width
    assert width * height == MAX_PICTURE_PIXELS
    # A palette PNG of one colour: 50 MB decoded, a few KB on disk.
    path = tmp_path / "limit.png"
    save(Image.new("P", (width, height), 0), path)
    pixels = load_picture(path, 4)
    assert pixels.shape == (4, 4, 3) and np.all(pixels == 0)


# ---------------------------------------------------------------------------
# Damaged files
# ---------------------------------------------------------------------------


def _encoded(format, **options):
    buffer = io.BytesIO()
    Image.fromarray(smooth_picture(96, 128)).save(buffer, format, **options)
    return buffer.getvalue()


DAMAGED = {
    "empty.png": lambda: b"",
    "text.png": lambda: b"just some text, not a picture\n" * 10,
    "random.jpg": lambda: np.random.RandomState(0).bytes(5000),
    "truncated-header.png": lambda: _encoded("PNG")[:30],
    "truncated-data.png": lambda: _encoded("PNG")[: len(_encoded("PNG")) // 2],
    "truncated.jpg": lambda: _encoded("JPEG")[: len(_encoded("JPEG")) // 2],
    "bad-crc.png": lambda: _encoded("PNG")[:60] + bytes([_encoded("PNG")[60] ^ 0xFF]) + _encoded("PNG")[61:],
    "garbled.jpg": lambda: _encoded("JPEG")[:200] + b"\xff\xd9",
    "tiff-named.png": lambda: _encoded("TIFF"),  # a format outside PICTURE_FORMATS
}
if features.check("webp"):
    DAMAGED["truncated.webp"] = lambda: _encoded("WEBP")[: len(_encoded("WEBP")) // 2]


@pytest.mark.parametrize("name", sorted(DAMAGED))
def test_damaged_files_raise_one_line_data_errors(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(DAMAGED[name]())
    with pytest.raises(DataError) as info:
        read_picture(path, 8)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message


def test_missing_files_and_folders_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_picture(tmp_path / "nothing.png", 8)
    with pytest.raises(DataError, match="not a file"):
        read_picture(tmp_path, 8)
    with pytest.raises(ValueError, match="fit"):
        read_picture(tmp_path / "nothing.png", 8, fit="stretch")


# ---------------------------------------------------------------------------
# Modes, formats: every picture becomes 8-bit RGB the documented way
# ---------------------------------------------------------------------------

SIDE = 16  # the pictures are SIDE x SIDE, so resampling is the identity and only the conversion is tested


def over_white(rgb, alpha):
    a = alpha[..., None].astype(np.float64) / 255.0
    return rgb.astype(np.float64) * a + 255.0 * (1.0 - a)


def mode_cases():
    rng = np.random.RandomState(3)
    rgb = rng.randint(0, 256, size=(SIDE, SIDE, 3)).astype(np.uint8)
    grey = rng.randint(0, 256, size=(SIDE, SIDE)).astype(np.uint8)
    alpha = rng.randint(0, 256, size=(SIDE, SIDE)).astype(np.uint8)
    bits = rng.rand(SIDE, SIDE) < 0.5
    palette = rng.randint(0, 256, size=(256, 3)).astype(np.uint8)
    index = rng.randint(0, 8, size=(SIDE, SIDE)).astype(np.uint8)
    grey16 = rng.randint(0, 65536, size=(SIDE, SIDE)).astype(np.uint16)
    rgb16 = rng.randint(0, 65536, size=(SIDE, SIDE, 3)).astype(np.uint16)
    smooth = smooth_picture(SIDE, SIDE, seed=5)
    cmyk = np.concatenate([smooth, smooth[..., :1] // 3], axis=2)

    def palette_image(transparent=None):
        image = Image.fromarray(index, "L").convert("P")
        image.putpalette(palette.reshape(-1).tolist())
        if transparent is not None:
            image.info["transparency"] = transparent
        return image

    expected_palette = palette[index]
    with_hole = expected_palette.astype(np.float64).copy()
    with_hole[index == 2] = 255.0

    # name: (writer(path), expected float RGB, tolerance in levels)
    cases = {
        "rgb.png": (lambda p: save(rgb, p), rgb, 0),
        "rgb.bmp": (lambda p: save(rgb, p), rgb, 0),
        "grey.png": (lambda p: save(grey, p), np.repeat(grey[..., None], 3, axis=2), 0),
        "bilevel.png": (lambda p: save(Image.fromarray(bits), p), np.repeat(bits[..., None] * 255, 3, axis=2), 0),
        "rgba.png": (lambda p: save(np.dstack([rgb, alpha]), p), over_white(rgb, alpha), 1),
        "grey-alpha.png": (lambda p: save(Image.fromarray(np.dstack([grey, alpha]), "LA"), p),
                           over_white(np.repeat(grey[..., None], 3, axis=2), alpha), 1),
        "palette.png": (lambda p: save(palette_image(), p), expected_palette, 0),
        "palette-transparent.png": (lambda p: save(palette_image(2), p), with_hole, 0),
        "palette.gif": (lambda p: save(palette_image(), p), expected_palette, 0),
        "grey16.png": (lambda p: save(Image.fromarray(grey16), p),
                       np.repeat(np.rint(grey16 / 257.0)[..., None], 3, axis=2), 0),
        # Pillow keeps the high byte of 16-bit colour: within one level of v / 257.
        "rgb16.png": (lambda p: p.write_bytes(png_rgb16(rgb16)), rgb16 / 257.0, 1),
        "grey.jpg": (lambda p: save(Image.fromarray(smooth[..., 0]), p, quality=95),
                     np.repeat(smooth[..., :1], 3, axis=2), 4),
        "rgb.jpg": (lambda p: save(smooth, p, quality=95, subsampling=0), smooth, 6),
        # CMYK by the usual formula (255 - C)(255 - K) / 255; JPEG is lossy, hence the tolerance.
        "cmyk.jpg": (lambda p: save(Image.fromarray(cmyk, "CMYK"), p, quality=95, subsampling=0),
                     (255.0 - cmyk[..., :3]) * (255.0 - cmyk[..., 3:]) / 255.0, 6),
    }
    if features.check("webp"):
        cases["rgb.webp"] = (lambda p: save(rgb, p, lossless=True), rgb, 0)
        cases["rgba.webp"] = (lambda p: save(np.dstack([rgb, alpha]), p, lossless=True, exact=True),
                              over_white(rgb, alpha), 1)
    return cases


MODE_CASES = mode_cases()


@pytest.mark.parametrize("name", sorted(MODE_CASES))
def test_every_mode_becomes_rgb_as_documented(tmp_path, name):
    write, expected, tolerance = MODE_CASES[name]
    path = tmp_path / name
    write(path)
    pixels = load_picture(path, SIDE)
    assert pixels.shape == (SIDE, SIDE, 3) and pixels.dtype == np.uint8
    difference = np.abs(pixels.astype(np.float64) - expected)
    assert difference.max() <= tolerance + 0.5, (name, difference.max())
    x = read_picture(path, SIDE)
    np.testing.assert_array_equal(x, pixels.reshape(-1, 1) / 255.0)


def test_the_column_is_laid_out_like_the_training_data(tmp_path):
    from nets.data import flatten_images

    picture = smooth_picture(8, 8, seed=1)
    save(picture, tmp_path / "p.png")
    np.testing.assert_array_equal(read_picture(tmp_path / "p.png", 8), flatten_images(picture[None]))


# ---------------------------------------------------------------------------
# EXIF orientation
# ---------------------------------------------------------------------------

# How a camera stores an upright picture under each EXIF orientation (EXIF 2.3,
# tag 0x0112: 1 = as stored, 6 = the viewer turns it 90 degrees clockwise, ...).
STORED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1, :],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, 1),
    7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),
    8: lambda a: np.rot90(a, -1),
}


def save_with_orientation(upright, path, orientation, **options):
    stored = np.ascontiguousarray(STORED[orientation](upright))
    exif = Image.Exif()
    exif[0x0112] = orientation
    save(stored, path, exif=exif, **options)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path, orientation):
    upright = np.kron(smooth_picture(6, 4, seed=orientation), np.ones((8, 8, 1))).astype(np.uint8)  # 48 x 32
    upright[:8, :8] = (255, 0, 0)  # a marker in the top-left corner, so that every orientation differs
    save_with_orientation(upright, tmp_path / "o.png", orientation)
    pixels = load_picture(tmp_path / "o.png", 32, fit="squash")
    reference = np.asarray(Image.fromarray(upright).resize((32, 32), Image.Resampling.LANCZOS))
    np.testing.assert_array_equal(pixels, reference)


def test_an_exif_rotated_jpeg_is_predicted_like_the_upright_picture(tmp_path, model64):
    model, model_path, images = model64
    from nets.jobs.predict import predict_files

    for k, image in enumerate(images[:4]):
        # A "phone photo": 256 x 192 (the 64 x 64 image enlarged in the middle of a wider frame),
        # stored turned by 90 degrees with orientation 6.
        upright = np.asarray(Image.fromarray(image).resize((192, 192), Image.Resampling.BICUBIC))
        upright = np.concatenate([np.full((192, 32, 3), 128, np.uint8), upright,
                                  np.full((192, 32, 3), 128, np.uint8)], axis=1)
        save(upright, tmp_path / f"upright{k}.jpg", quality=92)
        save_with_orientation(upright, tmp_path / f"phone{k}.jpg", 6, quality=92)
        straight, rotated = predict_files(model_path, [tmp_path / f"upright{k}.jpg", tmp_path / f"phone{k}.jpg"])
        # Measured on 12 such pictures: |difference| at most 0.0012 (JPEG blocks fall differently).
        assert rotated["p_cat"] == pytest.approx(straight["p_cat"], abs=0.01)
        # The pixels agree to JPEG's noise (measured: mean 0.64 to 0.80 levels) while the picture
        # read sideways is another picture (mean 16 to 30 levels away).
        a = load_picture(tmp_path / f"upright{k}.jpg", 64).astype(np.float64)
        b = load_picture(tmp_path / f"phone{k}.jpg", 64).astype(np.float64)
        assert np.abs(a - b).mean() < 2 and np.abs(np.rot90(b) - a).mean() > 10


# ---------------------------------------------------------------------------
# Cropping and resampling
# ---------------------------------------------------------------------------


def test_crop_takes_the_centre_and_squash_takes_everything(tmp_path):
    centre = smooth_picture(16, 16, seed=7)
    left = np.zeros((16, 8, 3), np.uint8)
    right = np.full((16, 8, 3), 255, np.uint8)
    wide = np.concatenate([left, centre, right], axis=1)  # 32 wide, 16 high
    save(wide, tmp_path / "wide.png")
    np.testing.assert_array_equal(load_picture(tmp_path / "wide.png", 16, fit="crop"), centre)
    squashed = load_picture(tmp_path / "wide.png", 16, fit="squash")
    # Squashed, the black and white sides take the outer quarter of each row.
    assert squashed[:, :3].max() < 40 and squashed[:, -3:].min() > 215
    tall = np.concatenate([left.transpose(1, 0, 2), centre, right.transpose(1, 0, 2)], axis=0)
    save(tall, tmp_path / "tall.png")
    np.testing.assert_array_equal(load_picture(tmp_path / "tall.png", 16), centre)
    # An odd difference (17 x 16): the crop box is fractional and central, not shifted by a pixel.
    odd = np.asarray(Image.fromarray(wide[:, 7:24]))
    save(odd, tmp_path / "odd.png")
    both = load_picture(tmp_path / "odd.png", 16)
    mirrored = load_picture(save(odd[:, ::-1], tmp_path / "odd-mirrored.png"), 16)
    np.testing.assert_allclose(both.astype(int), mirrored[:, ::-1].astype(int), atol=1)


def test_a_large_textured_picture_is_predicted_like_its_64x64_version(tmp_path, model64):
    """A "photo": the 64x64 picture enlarged to 900 x 900 (not a multiple of 64) with sensor-like noise (sd 20).

    Antialiased reading brings it back close to the 64x64 original; sampling
    one pixel in 14 (nearest neighbour, what the old reader did) keeps the
    noise, which these assertions tell apart.
    """
    model, model_path, images = model64
    from nets.jobs.predict import predict_files

    rng = np.random.RandomState(0)
    worst = 0.0
    for k, image in enumerate(images[:4]):
        big = np.asarray(Image.fromarray(image).resize((900, 900), Image.Resampling.BICUBIC), dtype=np.float64)
        noisy = np.clip(np.rint(big + rng.randn(*big.shape) * 20), 0, 255).astype(np.uint8)
        path = save(noisy, tmp_path / f"photo{k}.png")
        (row,) = predict_files(model_path, [path])
        worst = max(worst, abs(row["p_cat"] - p_cat(model, image)))
        pixels = load_picture(path, 64).astype(np.float64)
        sampled = np.asarray(Image.fromarray(noisy).resize((64, 64), Image.Resampling.NEAREST), dtype=np.float64)
        error = np.sqrt(np.mean((pixels - image) ** 2))
        error_sampled = np.sqrt(np.mean((sampled - image) ** 2))
        # Measured on 12 pictures: 5.1 to 5.6 levels (the cartoon's sharp edges, blurred by the
        # enlargement) against 19.6 to 20.2 for sampling (the noise, untouched).
        assert error < 8 and error_sampled > 15, (error, error_sampled)
    # Measured on 12 pictures: at most 0.0024; this model is confident, so its probabilities
    # move little (benchmarks/results/pictures.md measures the tutorial's model on the real data).
    assert worst < 0.01


def test_large_jpegs_are_decoded_in_draft_mode(tmp_path, monkeypatch):
    photo = np.asarray(Image.fromarray(smooth_picture(96, 128, seed=2)).resize((2048, 1536)))
    save(photo, tmp_path / "big.jpg", quality=90)
    full = np.asarray(Image.open(tmp_path / "big.jpg").convert("RGB").resize((64, 64), Image.Resampling.LANCZOS,
                                                                        box=(256, 0, 1792, 1536)))
    decoded = []
    original = ImageOps.exif_transpose

    def spy(image, **kwargs):
        result = original(image, **kwargs)
        decoded.append(result.size)
        return result

    monkeypatch.setattr(ImageOps, "exif_transpose", spy)
    pixels = load_picture(tmp_path / "big.jpg", 64)
    # 1/4 scale: the largest that keeps both sides at least 4 x 64.
    assert decoded == [(512, 384)]
    assert np.abs(pixels.astype(int) - full).max() <= 3


# ---------------------------------------------------------------------------
# Folders
# ---------------------------------------------------------------------------


def test_picture_files_lists_the_pictures_of_a_folder_sorted(tmp_path):
    for name in ("b.png", "a.JPG", "c.webp", "notes.txt", ".hidden.png", "model.h5"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.png").mkdir()
    (tmp_path / "sub.png" / "d.png").write_bytes(b"x")
    assert picture_files(tmp_path) == [str(tmp_path / n) for n in ("a.JPG", "b.png", "c.webp")]
    assert pictures.is_picture_name("X.JPEG") and not pictures.is_picture_name("x.h5")


def test_photos_made_from_the_real_test_set_are_predicted_like_the_originals(tmp_path, real_data_dir):
    """The tutorial's 4-layer model (trained on the real data) on 20 of its test images made into
    517 x 517 photos (bicubic enlargement, noise of sd 12 levels), read from a folder."""
    from nets.data import load_catvnoncat_images
    from nets.jobs.predict import predict_files

    train, train_y, test, _, _ = load_catvnoncat_images(real_data_dir)
    model = BinaryClassifier([12288, 20, 7, 5, 1], init="xavier", seed=1)
    model.fit(train.reshape(len(train), -1).T / 255.0, train_y, learning_rate=0.0075, iterations=2500,
              print_every=2500)
    model.save(tmp_path / "model.h5")
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.RandomState(0)
    sampled = []
    originals = test[:20]
    for k, image in enumerate(originals):
        big = np.asarray(Image.fromarray(image).resize((517, 517), Image.Resampling.BICUBIC), dtype=np.float64)
        noisy = np.clip(np.rint(big + rng.randn(*big.shape) * 12), 0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(photos / f"{k:02d}.png", compress_level=1)
        sampled.append(np.asarray(Image.fromarray(noisy).resize((64, 64), Image.Resampling.NEAREST)))
    rows = predict_files(tmp_path / "model.h5", [photos])
    p_read = np.array([r["p_cat"] for r in rows])
    p_original = np.array([p_cat(model, image) for image in originals])
    p_sampled = np.array([p_cat(model, image) for image in sampled])
    moved, moved_sampled = np.abs(p_read - p_original), np.abs(p_sampled - p_original)
    # Measured on these 20: mean 0.0033, max 0.022 (on all 50 test images: 0.0026 and 0.022).
    assert moved.max() < 0.05
    # Sampling instead of averaging moves them about three times as much (measured on these 20:
    # mean 0.0091, max 0.105), so a reader that samples fails here.
    assert moved.mean() < moved_sampled.mean() / 2
