"""How `nets predict` should read photos: which resampling filter, what draft mode costs, how fast a bomb is refused.

1. Filters. The tutorial's model ([12288, 20, 7, 5, 1], xavier, seed 1, lr 0.0075, 2500
   iterations on the real training set, or the synthetic one when it is absent) classifies
   every 64x64 image of the data set (train and test). Each image is then made into a
   "photo": enlarged to SIZE x SIZE (517 by default: not a multiple of 64) by one of three
   enlargers (nearest, bicubic, Lanczos: no enlarger is the truth, and each one favours the
   reducing filter most like its inverse, so the result is given for all three), with
   Gaussian noise of sd NOISE levels added per value (sensor noise, fine texture). Each
   photo is reduced back to 64x64 by every candidate: Pillow's nearest, bilinear, Hamming,
   bicubic, box (area) and Lanczos filters, and the hand-written nearest-neighbour sampler
   `nets` used before. Reported: |p(photo) - p(original)| (mean, 95th percentile, max), the
   labels that flip, and the RMS pixel difference from the original.
2. Draft mode. A 20-megapixel JPEG (5472 x 3648, a data-set image enlarged with noise) read
   by `nets.data.pictures.load_picture` with JPEG draft mode (as shipped) and without, each in its
   own process: median time of 3 reads and the peak resident set; and the largest
   |p(draft) - p(full)| over a few such photos.
3. Bomb. The time `nets.data.pictures.read_picture` takes to refuse a 200 KB PNG declaring
   40000 x 40000 pixels.

Run: ``python benchmarks/bench_pictures.py`` (results in benchmarks/results/pictures.{md,json});
``--quick``: synthetic data, 24 images, small photos, a 1.2-megapixel JPEG (smoke test).
"""
from __future__ import annotations

import argparse
import io
import statistics
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

FILTERS = ("nearest", "bilinear", "hamming", "bicubic", "box", "lanczos")
ENLARGERS = ("nearest", "bicubic", "lanczos")


def pillow_filter(name):
    from PIL import Image

    return getattr(Image.Resampling, name.upper())


def handwritten_nearest(image, side):
    """The sampler nets.train.resize_image used for sizes that were not multiples of the side."""
    import numpy as np

    h, w = image.shape[:2]
    rows = np.minimum(((np.arange(side) + 0.5) * h / side).astype(int), h - 1)
    cols = np.minimum(((np.arange(side) + 0.5) * w / side).astype(int), w - 1)
    return image[rows][:, cols]


def train_model(args):
    import numpy as np

    from nets import BinaryClassifier
    from nets.data import load_catvnoncat_images, make_synthetic_catvnoncat_images

    directory = Path(args.data) if args.data else common.DEFAULT_DATA_DIR
    if not args.quick and (directory / "train_catvnoncat.h5").is_file():
        train, train_y, test, _, _ = load_catvnoncat_images(directory)
        description = "real cat/non-cat"
    else:
        n_train, n_test = (40, 24) if args.quick else (209, 50)
        train, train_y, test, _, _ = make_synthetic_catvnoncat_images(seed=9, n_train=n_train, n_test=n_test)
        description = "synthetic"
    model = BinaryClassifier([12288, 20, 7, 5, 1], init="xavier", seed=1)
    model.fit(train.reshape(len(train), -1).T / 255.0, train_y, learning_rate=0.0075,
              iterations=args.iterations, print_every=args.iterations)
    images = np.concatenate([train, test])[: args.images]
    return model, images, description


def proba(model, images):
    return model.predict_proba(images.reshape(len(images), -1).T / 255.0).reshape(-1)


def filters_part(args, model, images):
    import numpy as np
    from PIL import Image

    p0 = proba(model, images)
    rng = np.random.RandomState(0)
    rows = []
    for enlarger in ENLARGERS:
        reduced = {name: [] for name in FILTERS + ("handwritten",)}
        for image in images:
            big = np.asarray(Image.fromarray(image).resize((args.size, args.size), pillow_filter(enlarger)),
                             dtype=np.float64)
            photo = np.clip(np.rint(big + rng.randn(*big.shape) * args.noise), 0, 255).astype(np.uint8)
            picture = Image.fromarray(photo)
            for name in FILTERS:
                reduced[name].append(np.asarray(picture.resize((64, 64), pillow_filter(name))))
            reduced["handwritten"].append(handwritten_nearest(photo, 64))
        for name, arrays in reduced.items():
            arrays = np.stack(arrays)
            d = np.abs(proba(model, arrays) - p0)
            rows.append({
                "enlarger": enlarger, "filter": name,
                "mean_dp": float(d.mean()), "p95_dp": float(np.quantile(d, 0.95)), "max_dp": float(d.max()),
                "flips": int(np.sum((proba(model, arrays) > 0.5) != (p0 > 0.5))),
                "pixel_rmse": float(np.sqrt(np.mean((arrays.astype(np.float64) - images) ** 2))),
            })
    # What nets.data.pictures does must be the lanczos row: check it on a few photos through files.
    from nets.data.pictures import load_picture

    with tempfile.TemporaryDirectory() as tmp:
        for k, image in enumerate(images[:3]):
            big = Image.fromarray(image).resize((args.size, args.size), Image.Resampling.BICUBIC)
            big.save(Path(tmp) / "p.png")
            expected = np.asarray(big.resize((64, 64), Image.Resampling.LANCZOS))
            if not np.array_equal(load_picture(Path(tmp) / "p.png", 64), expected):
                raise SystemExit("nets.data.pictures does not resample as the lanczos row does")
    return rows


def large_jpeg(image, seed, size):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    big = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    big += rng.standard_normal(big.shape, dtype=np.float32) * 8
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.rint(big), 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def draft_worker(config):
    """Read one JPEG 3 times with draft mode on or off; time and peak memory of this process."""
    from nets.data import pictures

    if not config["draft"]:
        pictures.DRAFT_FACTOR = 10**9  # draft() then keeps scale 1: the full picture is decoded
    times = []
    for _ in range(3):
        start = time.perf_counter()
        pictures.load_picture(config["path"], 64)
        times.append(time.perf_counter() - start)
    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts at its parent's resident set
    # at fork time, which here holds the photos being made.
    with open("/proc/self/status") as f:
        peak_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return {"seconds": statistics.median(times), "peak_rss_mb": peak_kb / 1024}


def draft_part(args, model, images, script):
    import numpy as np

    from nets.data import pictures

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo.jpg"
        path.write_bytes(large_jpeg(images[0], 0, args.jpeg_size))
        size_mb = path.stat().st_size / 1e6
        runs = {}
        for draft in (True, False):
            res = common.run_worker(script, {"kind": "draft", "path": str(path), "draft": draft}, timeout=600)
            if not res.get("ok"):
                raise SystemExit(f"draft worker failed: {res.get('error')}\n{res.get('traceback', '')}")
            runs["draft" if draft else "full"] = res
        differences = []
        for k, image in enumerate(images[: args.draft_photos]):
            path.write_bytes(large_jpeg(image, k, args.jpeg_size))
            with_draft = pictures.load_picture(path, 64)
            saved = pictures.DRAFT_FACTOR
            pictures.DRAFT_FACTOR = 10**9
            try:
                full = pictures.load_picture(path, 64)
            finally:
                pictures.DRAFT_FACTOR = saved
            p = proba(model, np.stack([with_draft, full]))
            differences.append({"p_draft": float(p[0]), "p_full": float(p[1]),
                                "pixel_max_diff": int(np.abs(with_draft.astype(int) - full).max())})
    return {"file_mb": size_mb, "size": list(args.jpeg_size), "runs": runs, "photos": differences}


def bomb_part():
    from nets.data.pictures import PictureTooLargeError, read_picture

    ihdr = struct.pack(">IIBBBBB", 40000, 40000, 8, 2, 0, 0, 0)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    deflate = zlib.compressobj(9)
    segment = deflate.compress(b"\0" * (1 << 20)) + deflate.flush(zlib.Z_FULL_FLUSH)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", segment[:2] + segment[2:] * 190)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.png"
        path.write_bytes(data + chunk(b"IEND", b""))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            try:
                read_picture(path, 64)
            except PictureTooLargeError:
                pass
            else:
                raise SystemExit("the bomb was not refused")
            times.append(time.perf_counter() - start)
        return {"file_kb": path.stat().st_size / 1000, "seconds": statistics.median(times)}


def worker(config):
    common.ensure_repo_on_path()
    if config["kind"] == "draft":
        return draft_worker(config)
    raise ValueError(config["kind"])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="synthetic data, few images, small photos (smoke test)")
    p.add_argument("--data", default=None, help="cat/non-cat folder (default ../shared/data/catvnoncat)")
    p.add_argument("--out", default=None, help="output folder (default benchmarks/results)")
    p.add_argument("--size", type=int, default=None, help="side of the enlarged photos (default 517)")
    p.add_argument("--noise", type=float, default=12.0, help="sd of the added noise, in levels (default 12)")
    args = p.parse_args(argv)
    args.size = args.size or (150 if args.quick else 517)
    args.images = 24 if args.quick else 10**6
    args.iterations = 100 if args.quick else 2500
    args.draft_photos = 1 if args.quick else 5
    args.jpeg_size = (1368, 912) if args.quick else (5472, 3648)  # 20 megapixels, a 3:2 camera
    return args


def render_markdown(report) -> str:
    rows = [[r["enlarger"], r["filter"], f"{r['mean_dp']:.4f}", f"{r['p95_dp']:.4f}", f"{r['max_dp']:.4f}",
             r["flips"], f"{r['pixel_rmse']:.2f}"] for r in report["filters"]]
    by_filter = {}
    for r in report["filters"]:
        by_filter.setdefault(r["filter"], []).append(r)
    summary = [[name, f"{statistics.mean(r['mean_dp'] for r in rs):.4f}", f"{max(r['max_dp'] for r in rs):.4f}",
                sum(r["flips"] for r in rs)] for name, rs in by_filter.items()]
    draft = report["draft"]
    runs = draft["runs"]
    worst = max(abs(d["p_draft"] - d["p_full"]) for d in draft["photos"])
    s = report["settings"]
    return "\n".join([
        "# Reading photos for `nets predict`",
        "",
        f"Model: [12288, 20, 7, 5, 1] trained on the {report['data']} data ({s['iterations']} iterations); "
        f"{report['n_images']} images of the data set made into {s['size']}x{s['size']} photos (noise sd "
        f"{s['noise']} levels) and reduced back to 64x64. dp = |p(photo) - p(original 64x64)|.",
        "",
        "## Filters, over the three enlargers",
        "",
        common.markdown_table(["filter", "mean dp (average over enlargers)", "max dp (worst enlarger)",
                               "label flips (sum)"], summary),
        "",
        "## Filters, per enlarger",
        "",
        common.markdown_table(["enlarger", "filter", "mean dp", "p95 dp", "max dp", "flips", "pixel RMSE"], rows),
        "",
        "`handwritten` is the nearest-neighbour sampler nets used before; `nearest` is Pillow's.",
        "",
        f"## JPEG draft mode on a {draft['size'][0] * draft['size'][1] / 1e6:.0f}-megapixel photo",
        "",
        f"A {draft['file_mb']:.1f} MB JPEG of {draft['size'][0]}x{draft['size'][1]} pixels, read to 64x64 by `nets.data.pictures.load_picture` "
        f"(median of 3 reads, each way in its own process):",
        "",
        common.markdown_table(["decoding", "seconds", "peak resident MB"],
                              [[k, f"{v['seconds']:.3f}", f"{v['peak_rss_mb']:.0f}"] for k, v in runs.items()]),
        "",
        f"Largest |p(draft) - p(full)| over {len(draft['photos'])} such photos: {worst:.4f}; largest pixel "
        f"difference: {max(d['pixel_max_diff'] for d in draft['photos'])} levels.",
        "",
        "## Decompression bomb",
        "",
        f"A {report['bomb']['file_kb']:.0f} KB PNG declaring 40000x40000 pixels is refused in "
        f"{report['bomb']['seconds'] * 1000:.1f} ms (median of 5, in-process).",
        "",
        "## Machine",
        "",
        common.machine_markdown(report["machine"]),
        "",
    ])


def main(argv=None):
    args = parse_args(argv)
    common.ensure_repo_on_path()
    out = common.output_dir(args)
    machine = common.machine_info(with_peers=False)
    model, images, description = train_model(args)
    filters = filters_part(args, model, images)
    draft = draft_part(args, model, images, Path(__file__).resolve())
    bomb = bomb_part()
    machine["load_average_at_end"] = common.load_average()
    report = {
        "settings": {"size": args.size, "noise": args.noise, "iterations": args.iterations, "quick": args.quick},
        "data": description, "n_images": int(len(images)),
        "filters": filters, "draft": draft, "bomb": bomb, "machine": machine,
    }
    report["markdown"] = render_markdown(report)
    common.atomic_write_text(out / "pictures.md", report["markdown"])
    common.atomic_write_json(out / "pictures.json", {k: v for k, v in report.items() if k != "markdown"})
    print(report["markdown"])
    return report


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        common.worker_main(worker, sys.argv)
    else:
        main()
