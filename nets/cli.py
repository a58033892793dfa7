"""``nets``: train the tutorial's network, check its gradients, draw its graph, classify pictures.

    nets train [--data DIR] [--layers 12288,20,7,5,1] [--learning-rate 0.0075] ...
    nets gradcheck [--layers 10,5,3,1] [--examples 8]
    nets graph --out step.png [--layers 12288,20,7,5,1]
    nets predict --model runs/.../model.h5 [--fit crop|squash] photo.jpg | FOLDER | test_catvnoncat.h5
    nets reproduce initialization|regularization|optimization|logistic|planar [--data DIR] [--json] [--out DIR]
    nets sharpness [--data DIR] [--layers ...] [--learning-rate 0.0075] [--every 100] [--out DIR]
    nets audit PATH... [--json] [--seed N] [--timeout S] [--memory-limit SIZE] [--submission-timeout S]
               [--jobs N] [--whole] [--csv FILE] [--out FILE.json|DIR] [--gradescope FILE] [--points FILE.json]
    nets derive [--layers 12288,20,7,5,1] [--cost stable|faithful] [--l2 L] [--keep-prob P]
                [--hidden-activation relu|tanh] [--out step.py]

This module only parses arguments and prints; each command calls its job in
:mod:`nets.jobs` (``nets.jobs.train``, ``.gradcheck``, ``.graph``, ``.predict``,
``.reproduce``, ``.sharpness``, ``.audit``, ``.derive``).

Exit status: 0 success; 1 training diverged or the gradient check failed; 2 bad
arguments, unreadable or malformed files (one ``nets: error: ...`` line on
stderr, never a traceback; ``predict`` writes one such line per file it cannot
read and still classifies the others); 130 interrupted.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

__all__ = ["main", "build_parser"]

PROG = "nets"


class UsageError(Exception):
    """An argparse error, reported as one line instead of usage + error."""

    def __init__(self, prog: str, message: str):
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default prints the usage too: several lines
        raise UsageError(self.prog, message)


# ---------------------------------------------------------------------------
# Argument types (their messages become "nets: error: argument --x: <message>")
# ---------------------------------------------------------------------------


def _layers(text: str) -> list:
    from .validation import check_layer_dims

    parts = [p.strip() for p in text.split(",")]
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 12288,20,7,5,1, got {text!r}"
        ) from None
    try:
        return check_layer_dims(dims)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _learning_rate(text: str) -> float:
    from .validation import check_learning_rate

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    try:
        return check_learning_rate(value)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _size(text: str) -> int:
    from .checker.isolation import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


def _number_within(check, description: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not check(value):
            raise argparse.ArgumentTypeError(f"must be {description}, got {text!r}")
        return value

    parse.__name__ = description
    return parse


_non_negative_float = _number_within(lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")
_fraction = _number_within(lambda v: 0 <= v < 1, "in [0, 1)")
_keep_prob = _number_within(lambda v: 0 < v <= 1, "in (0, 1]")


# ---------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from .model import COSTS, DTYPES, SOLVERS
    from .model.init import INITS

    parser = _Parser(
        prog=PROG,
        description="The deeplearning.ai cat/non-cat L-layer classifier on autograd_mini.",
        epilog="Exit status: 0 ok, 1 training diverged or gradient check failed, 2 bad arguments or files.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common_model_options(p, layers_default: str):
        p.add_argument("--layers", type=_layers, default=_layers(layers_default), metavar="N,N,...,1",
                       help=f"layer sizes, input first, ending in 1 (default {layers_default})")
        cost_option(p)

    def cost_option(p):
        p.add_argument("--cost", choices=COSTS, default="stable",
                       help="stable: fused cross-entropy on the logits (default); faithful: the post's log(sigmoid)")

    def start_options(p):
        """Where training starts: the initialisation, its seed, the learning rate (train and sharpness)."""
        p.add_argument("--init", choices=sorted(INITS), default="xavier", help="weight initialisation (default xavier)")
        p.add_argument("--seed", type=_int_at_least(0), default=1, help="seed of the weight initialisation (default 1)")
        p.add_argument("--learning-rate", type=_learning_rate, default=0.0075, metavar="RATE",
                       help="gradient-descent step size (default 0.0075)")

    def run_options(p):
        """How a training run is computed and where it is written (train and sharpness)."""
        p.add_argument("--dtype", choices=sorted(DTYPES), default="float64", help="precision (default float64)")
        p.add_argument("--solver", choices=SOLVERS, default="auto", help="how gradients are computed (default auto)")
        p.add_argument("--out", metavar="DIR", help="output folder (default: a new runs/<timestamp>-<id>)")
        p.add_argument("--overwrite", action="store_true", help="write into an existing non-empty --out folder")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        # Small synthetic data sets, for tests and quick tries (not in --help).
        p.add_argument("--image-size", type=_int_at_least(8), default=64, help=argparse.SUPPRESS)
        p.add_argument("--n-train", type=_int_at_least(1), default=209, help=argparse.SUPPRESS)
        p.add_argument("--n-test", type=_int_at_least(1), default=50, help=argparse.SUPPRESS)

    # train ------------------------------------------------------------------
    t = sub.add_parser("train", help="train on the catvnoncat data (or synthetic data) and write a run folder",
                       description="Train [LINEAR->RELU]x(L-1)->LINEAR->SIGMOID by gradient descent; write "
                                   "metrics.json, costs.png, model.h5 and mislabeled.png to the run folder.")
    t.add_argument("--data", metavar="DIR|FILE.h5",
                   help="folder with train_catvnoncat.h5 and test_catvnoncat.h5, or an HDF5 file of feature "
                        "matrices train_X, train_Y [, test_X, test_Y] such as the course's 2-D data sets "
                        "(default: built-in synthetic data)")
    t.add_argument("--layers", type=_layers, default=None, metavar="N,N,...,1",
                   help="layer sizes, input first, ending in 1 (default: the input size, then 20,7,5,1)")
    cost_option(t)
    t.add_argument("--hidden-activation", choices=("relu", "tanh"), default="relu",
                   help="every hidden layer's activation (default relu; tanh: Course 1 week 3's network)")
    start_options(t)
    t.add_argument("--iterations", type=_int_at_least(1), default=None,
                   help="full-batch gradient steps (default 2500); not with --batch-size")
    t.add_argument("--batch-size", type=_int_at_least(1), default=None, metavar="N",
                   help="train on mini-batches of N examples, reshuffled every epoch (needs --epochs)")
    t.add_argument("--epochs", type=_int_at_least(1), default=None, metavar="N",
                   help="passes over the training set with --batch-size")
    t.add_argument("--optimizer", choices=("gd", "momentum", "adam"), default="gd",
                   help="update rule (default gd)")
    t.add_argument("--beta", type=_fraction, default=0.9, help="momentum's beta (default 0.9)")
    t.add_argument("--beta1", type=_fraction, default=0.9, help="Adam's beta1 (default 0.9)")
    t.add_argument("--beta2", type=_fraction, default=0.999, help="Adam's beta2 (default 0.999)")
    t.add_argument("--epsilon", type=_positive_float, default=1e-8, help="Adam's epsilon (default 1e-8)")
    t.add_argument("--l2", type=_non_negative_float, default=0.0, metavar="LAMBDA",
                   help="L2 regularisation strength: the cost gains LAMBDA/(2m) sum ||W||^2 (default 0)")
    t.add_argument("--keep-prob", type=_keep_prob, default=1.0, metavar="P",
                   help="inverted dropout on the hidden layers, keeping each unit with probability P (default 1)")
    t.add_argument("--decay", choices=("inverse", "scheduled"), default=None,
                   help="learning-rate decay per epoch: inverse lr0/(1+rate*epoch), scheduled "
                        "lr0/(1+rate*floor(epoch/interval)) (default none)")
    t.add_argument("--decay-rate", type=_non_negative_float, default=1.0, help="decay rate (default 1)")
    t.add_argument("--decay-interval", type=_int_at_least(1), default=1000, metavar="EPOCHS",
                   help="epochs between steps of the scheduled decay (default 1000)")
    t.add_argument("--print-every", type=_int_at_least(1), default=100, metavar="N",
                   help="print and record the cost every N iterations or epochs (default 100)")
    run_options(t)
    t.set_defaults(handler=_cmd_train)

    # gradcheck --------------------------------------------------------------
    g = sub.add_parser("gradcheck", help="compare autodiff, the post's backward pass and finite differences",
                       description="For a random network and random data, print per parameter the largest "
                                   "relative difference between autodiff, the hand-derived oracle and central "
                                   "finite differences; exit 1 if any exceeds its tolerance.")
    common_model_options(g, "10,5,3,1")
    g.add_argument("--examples", type=_int_at_least(1), default=8, metavar="N", help="examples in X (default 8)")
    g.add_argument("--seed", type=_int_at_least(0), default=1, help="seed of the weights and data (default 1)")
    g.add_argument("--eps", type=_positive_float, default=1e-6, help="finite-difference step (default 1e-6)")
    g.add_argument("--max-checks", type=_int_at_least(1), default=2000, metavar="N",
                   help="finite differences on at most N entries per parameter (default 2000)")
    g.set_defaults(handler=_cmd_gradcheck)

    # graph ------------------------------------------------------------------
    d = sub.add_parser("graph", help="draw the computation graph of one training step",
                       description="Draw the graph of one training step (forward + cost) to a PNG (or SVG/PDF) "
                                   "and write its Graphviz DOT text beside it (same name, .dot).")
    common_model_options(d, "12288,20,7,5,1")
    d.add_argument("--examples", type=_int_at_least(1), default=209, metavar="N",
                   help="examples in X, for the shapes (default 209)")
    d.add_argument("--out", required=True, metavar="FILE.png", help="picture to write (.png, .svg or .pdf)")
    d.set_defaults(handler=_cmd_graph)

    # derive -----------------------------------------------------------------
    v = sub.add_parser("derive", help="print the training step's backward pass as autodiff derives it (numpy code)",
                       description="Trace one training step and print it as the numpy code autograd_mini.compile "
                                   "writes: the forward pass and every gradient, in the post's names (Z1, A1, "
                                   "dZ1, dW1, db1, ...). With --out, write it as a module that checks itself "
                                   "against the hand-derived nets.manual when run.")
    common_model_options(v, "12288,20,7,5,1")
    v.add_argument("--l2", type=_non_negative_float, default=0.0, metavar="LAMBDA",
                   help="L2 regularisation strength (default 0)")
    v.add_argument("--keep-prob", type=_keep_prob, default=1.0, metavar="P",
                   help="inverted dropout on the hidden layers: the masks D1, D2, ... become arguments (default 1)")
    v.add_argument("--examples", type=_int_at_least(1), default=209, metavar="N",
                   help="training examples m, for the shapes and the L2 term's 1/m (default 209)")
    v.add_argument("--hidden-activation", choices=("relu", "tanh"), default="relu",
                   help="activation of the hidden layers: relu (the post's) or tanh (Course 1 week 3's)")
    v.add_argument("--out", metavar="FILE.py", help="write a runnable, self-checking module instead of printing")
    v.set_defaults(handler=_cmd_derive)

    # predict ----------------------------------------------------------------
    from .data.pictures import FITS, MAX_PICTURE_PIXELS

    p = sub.add_parser("predict", help="classify pictures with a trained model",
                       description="Print the class of each image and p, the model's probability of that class. "
                                   "Inputs are pictures (JPEG, PNG, WebP, GIF, BMP; at most "
                                   f"{MAX_PICTURE_PIXELS // 1_000_000} megapixels; turned upright by their EXIF "
                                   "tag, made square and resized to the model's input), folders of pictures "
                                   "(every picture in them, sorted by name) or HDF5 files in the catvnoncat "
                                   "format. A file that cannot be read is reported on stderr and the others "
                                   "are still classified; the exit status is then 2.")
    p.add_argument("--model", required=True, metavar="MODEL.h5", help="a model.h5 written by 'nets train'")
    p.add_argument("--fit", choices=FITS, default="crop",
                   help="how a non-square picture becomes square: crop its centre (default) or squash it whole "
                        "(as the course did)")
    p.add_argument("inputs", nargs="+", metavar="PICTURE|FOLDER|DATA.h5")
    p.set_defaults(handler=_cmd_predict)

    # reproduce ---------------------------------------------------------------
    r = sub.add_parser("reproduce", help="rerun the course's logistic, planar, initialisation, regularisation or "
                                         "optimisation runs",
                       description="Rerun one of the course's experiments through the public API (Course 1: "
                                   "logistic regression on the cat data, the planar tanh network; Course 2: "
                                   "initialisation, regularisation, optimisation); print costs at the course's "
                                   "printed iterations and accuracies beside the course's figures, and draw the "
                                   "pictures.")
    r.add_argument("experiment", choices=("initialization", "regularization", "optimization", "logistic", "planar"))
    r.add_argument("--data", metavar="DIR", help="folder holding <experiment>.h5 (default ../shared/data/course2); "
                                                 "for logistic the cat/non-cat folder (default "
                                                 "../shared/data/catvnoncat); planar's data is built in")
    r.add_argument("--json", action="store_true", help="print the results as JSON on stdout instead of a table")
    r.add_argument("--out", metavar="DIR", help="folder for the decision-boundary pictures (default: none drawn)")
    r.add_argument("--run", action="append", metavar="NAME", help="only this run (repeatable)")
    # A quick check: every run cut to N iterations/epochs (tests; not in --help).
    r.add_argument("--steps", type=_int_at_least(1), default=None, help=argparse.SUPPRESS)
    r.set_defaults(handler=_cmd_reproduce)

    # sharpness --------------------------------------------------------------
    h = sub.add_parser("sharpness", help="train and record the cost's sharpness (top Hessian eigenvalue) along the run",
                       description="Train as 'nets train' does and, every N iterations, measure the largest "
                                   "eigenvalue of the cost's Hessian in all parameters (Lanczos on Hessian-vector "
                                   "products); write sharpness.json and sharpness.png (cost and sharpness against "
                                   "iterations, with the 2 / learning-rate line of gradient descent's stability).")
    h.add_argument("--data", metavar="DIR",
                   help="folder with train_catvnoncat.h5 and test_catvnoncat.h5 (default: built-in synthetic data)")
    common_model_options(h, "12288,20,7,5,1")
    start_options(h)
    h.add_argument("--iterations", type=_int_at_least(1), default=2500, help="number of iterations (default 2500)")
    h.add_argument("--every", type=_int_at_least(1), default=100, metavar="N",
                   help="measure the sharpness every N iterations (default 100)")
    h.add_argument("--start", type=_int_at_least(0), default=0, metavar="ITER",
                   help="measure only from this iteration on (default 0); e.g. --start 480 --every 1")
    h.add_argument("--print-every", type=_int_at_least(1), default=None, metavar="N",
                   help="also print the cost every N iterations (default: only with the measurements)")
    run_options(h)
    h.set_defaults(handler=_cmd_sharpness)

    # audit ------------------------------------------------------------------
    a = sub.add_parser("audit", help="check hand-written backprop (the post's functions) against autodiff: "
                                     "yours, or a whole class's",
                       description="Find the post's functions each submission defines (sigmoid, relu, "
                                   "linear_forward, ..., L_model_backward, update_parameters, and the course's "
                                   "L2/dropout/momentum/Adam/mini-batch ones) and check each against autodiff; "
                                   "say which is wrong, for which shapes, by how much, and where. Each "
                                   "submission's code runs in a process of its own, under the limits below. "
                                   "PATH: a .py file, or a folder of submissions (each .py in it one submission, "
                                   "each sub-folder one). Exit status 0 when every check of every submission "
                                   "ran and agreed, 1 when anything is wrong, crashed, timed out or cannot be "
                                   "imported (one file alone: 2 for that), 2 for bad arguments.")
    a.add_argument("paths", nargs="+", metavar="PATH", help="a .py file, or a folder of submissions")
    a.add_argument("--json", action="store_true",
                   help="print the report as JSON on stdout (a list of reports for several submissions)")
    a.add_argument("--seed", type=_int_at_least(0), default=0, help="seed of the test inputs (default 0)")
    a.add_argument("--timeout", type=_positive_float, default=5.0, metavar="SECONDS",
                   help="time limit of each call of the learner's code (default 5)")
    a.add_argument("--memory-limit", type=_size, default="2G", metavar="SIZE",
                   help="address space of each submission's process, e.g. 512M or 2G (default 2G)")
    a.add_argument("--submission-timeout", type=_positive_float, default=600.0, metavar="SECONDS",
                   help="time limit of one submission in all (default 600)")
    a.add_argument("--jobs", type=_int_at_least(1), default=None, metavar="N",
                   help="submissions checked at once (default: the number of cores)")
    a.add_argument("--whole", action="store_true", help="each folder PATH is one submission (its files together)")
    a.add_argument("--out", metavar="FILE.json|DIR",
                   help="also write the JSON report to this file; for several submissions, a folder "
                        "receiving one report each")
    a.add_argument("--csv", metavar="FILE", help="write a gradebook: a row per submission, a column per function")
    a.add_argument("--gradescope", metavar="FILE",
                   help="write Gradescope's results.json for one submission (a folder PATH is one submission)")
    a.add_argument("--points", metavar="FILE.json",
                   help="points per function for --csv and --gradescope, e.g. {\"L_model_backward\": 3} "
                        "(default 1 each)")
    a.add_argument("--overwrite", action="store_true", help="replace existing output files")
    a.set_defaults(handler=_cmd_audit)
    return parser


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def _cmd_train(args) -> int:
    from tqdm import tqdm

    from .jobs.train import FIT_OPTIONS, run_training

    print_every = args.print_every
    unit = "epoch" if args.batch_size is not None else "iteration"
    total = args.epochs if args.batch_size is not None else args.iterations
    if total is None:
        total = 2500 if args.batch_size is None else 0  # fit reports a missing --epochs
    last = total - 1
    bars = []  # made at the first iteration, so that the lines printed before stay clean

    def on_iteration(i, cost):
        if not bars:
            bars.append(tqdm(total=total, desc="training", unit=unit[:2], file=sys.stderr,
                             disable=True if args.no_progress else None, dynamic_ncols=True, leave=False))
        bar = bars[0]
        bar.set_postfix_str(f"cost={cost:.4f}", refresh=False)
        bar.update(1)
        if i % print_every == 0 or i == last:
            bar.write(f"Cost after {unit} {i}: {cost:.4f}", file=sys.stdout)

    try:
        metrics = run_training(
            data=args.data, layers=args.layers, init=args.init, seed=args.seed,
            learning_rate=args.learning_rate, iterations=args.iterations, print_every=print_every,
            dtype=args.dtype, cost=args.cost, solver=args.solver, out=args.out, overwrite=args.overwrite,
            hidden_activation=args.hidden_activation, callback=on_iteration, log=print,
            image_size=args.image_size, n_train=args.n_train, n_test=args.n_test,
            **{name: getattr(args, name) for name in FIT_OPTIONS},
        )
    finally:
        for bar in bars:
            bar.close()
    print(f"Solver: {metrics['solver']}; training took {metrics['seconds']:.2f} s")
    for part in ("train", "test"):
        m = metrics[f"n_{part}"]
        accuracy = metrics[f"{part}_accuracy"]
        if accuracy is None:
            continue
        print(f"{part.capitalize()} accuracy: {accuracy:.4f} ({round(accuracy * m)}/{m})")
    print(f"Wrote {metrics['out']}: {', '.join(metrics['files'])}")
    return 0


def _cmd_reproduce(args) -> int:
    import json

    from .jobs.reproduce import run_experiment, table

    def progress(record):
        if not args.json:
            print(f"  {record['name']}: done in {record['seconds']:.1f} s", file=sys.stderr)

    result = run_experiment(args.experiment, data=args.data, out=args.out, steps=args.steps, runs=args.run,
                            log=progress)
    if args.json:
        print(json.dumps({"experiment": result["experiment"],
                          "runs": [{k: r[k] for k in ("name", "costs", "train_accuracy", "test_accuracy")}
                                   for r in result["runs"]]}, indent=2))
    else:
        print(table(result))
    return 0


def _cmd_gradcheck(args) -> int:
    from .jobs.gradcheck import run_gradcheck

    report = run_gradcheck(layers=args.layers, examples=args.examples, seed=args.seed, cost=args.cost,
                           eps=args.eps, max_checks=args.max_checks)
    columns = list(report.tolerances)
    print(f"gradcheck of {report.layers} on {report.examples} examples (seed {report.seed}, "
          f"cost {report.cost}, eps {report.eps:g})")
    header = f"{'param':<6} {'shape':<12} {'checked':>7}  " + "  ".join(f"{c:>18}" for c in columns)
    print(header)
    for row in report.rows:
        values = "  ".join(f"{row.differences[c]:>18.2e}" for c in columns)
        print(f"{row.parameter:<6} {str(row.shape):<12} {row.checked:>7}  {values}")
    print(f"{'tolerance':<27}  " + "  ".join(f"{report.tolerances[c]:>18.0e}" for c in columns))
    if report.near_kink:
        print(f"warning: a ReLU pre-activation is {report.min_abs_z:.1e} from the kink at 0; "
              f"finite differences there may be off")
    failures = report.failures
    if failures:
        worst = ", ".join(f"d{p} {c} {v:.2e} > {t:.0e}" for p, c, v, t in failures)
        print(f"FAILED: {worst}")
        return 1
    print("OK: all gradients agree")
    return 0


def _cmd_graph(args) -> int:
    from .jobs.graph import write_step_graph

    written = write_step_graph(args.out, layers=args.layers, examples=args.examples, cost=args.cost)
    print(f"Wrote {written['picture']} and {written['dot']} ({written['ops']} ops, {written['tensors']} tensors)")
    return 0


def _cmd_derive(args) -> int:
    from .jobs.derive import derive_source, write_module

    options = dict(layers=args.layers, cost=args.cost, l2=args.l2, keep_prob=args.keep_prob, examples=args.examples,
                   hidden_activation=args.hidden_activation)
    if args.out:
        path = write_module(args.out, **options)
        print(f"Wrote {path} (run it to check the derived step against nets.manual)")
    else:
        sys.stdout.write(derive_source(**options))
    return 0


def _cmd_predict(args) -> int:
    from .data.pictures import is_picture_name
    from .jobs.predict import predict_files

    results = predict_files(args.model, args.inputs, fit=args.fit, errors="report")
    several = len(set(r["source"] for r in results)) > 1
    correct = known = failed = 0
    for r in results:
        if r["error"] is not None:
            failed += 1
            print(f"{PROG}: error: {_one_line(r['error'])}", file=sys.stderr)
            continue
        if is_picture_name(r["source"]):  # one image per file: the file names it
            line = f"{r['source']}: {r['class']} (p={r['p']:.2f})"
        else:
            where = f"{r['source']} " if several else ""
            line = f"{where}image {r['index']}: {r['class']} (p={r['p']:.2f})"
        if r["truth"] is not None:
            known += 1
            correct += r["truth"] == r["label"]
            line += "" if r["truth"] == r["label"] else "  <- wrong"
        print(line)
    if known:
        print(f"accuracy on the labelled images: {correct / known:.4f} ({correct}/{known})")
    return 2 if failed else 0


def _cmd_sharpness(args) -> int:
    from tqdm import tqdm

    from .jobs.sharpness import run_sharpness

    bars = []  # made at the first iteration, as in 'train'

    def write(line):
        (bars[0].write if bars else print)(line, file=sys.stdout)

    def on_iteration(i, cost):
        if not bars:
            bars.append(tqdm(total=args.iterations, desc="training", unit="it", file=sys.stderr,
                             disable=True if args.no_progress else None, dynamic_ncols=True, leave=False))
        bars[0].update(1)
        if args.print_every is not None and (i % args.print_every == 0 or i == args.iterations - 1):
            write(f"Cost after iteration {i}: {cost:.4f}")

    def on_measure(record):
        write(f"iteration {record['iteration']}: cost {record['cost']:.4f}, sharpness {record['sharpness']:.2f} "
              f"(2 / lr = {record['two_over_lr']:.2f})")

    try:
        result = run_sharpness(
            data=args.data, layers=args.layers, init=args.init, seed=args.seed, learning_rate=args.learning_rate,
            iterations=args.iterations, every=args.every, start=args.start, dtype=args.dtype, cost=args.cost,
            solver=args.solver, out=args.out, overwrite=args.overwrite, log=print, callback=on_iteration,
            on_measure=on_measure, image_size=args.image_size, n_train=args.n_train, n_test=args.n_test,
        )
    finally:
        for bar in bars:
            bar.close()
    above = sum(1 for r in result["records"] if r["sharpness"] > r["two_over_lr"])
    print(f"Largest sharpness {result['max_sharpness']:.2f} against 2 / lr = {result['two_over_lr']:.2f} "
          f"({above} of {len(result['records'])} measurements above); the cost rose at "
          f"{result['cost_increases']} of {result['iterations'] - 1} steps")
    print(f"Wrote {result['out']}: sharpness.json, sharpness.png")
    return 0


def _cmd_audit(args) -> int:
    import json
    import signal

    from .jobs.audit import run_class

    # Terminated (by a grading script's own timeout, say): end through the clean-up that kills
    # the learners' workers, rather than leave them running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def on_outcome(outcome):
        if not single and not args.json:
            print(outcome.line, flush=True)

    single = bool(args.gradescope) or (len(args.paths) == 1 and not os.path.isdir(args.paths[0]))
    result = run_class(args.paths, seed=args.seed, timeout=args.timeout, memory_limit=args.memory_limit,
                       submission_timeout=args.submission_timeout, jobs=args.jobs or os.cpu_count() or 1,
                       whole=args.whole, csv=args.csv, out=args.out, gradescope=args.gradescope,
                       points=args.points, overwrite=args.overwrite, on_outcome=on_outcome)
    outcomes = result["outcomes"]
    if result["single"]:
        outcome = outcomes[0]
        if outcome.error is not None:
            if args.json:  # a script always gets JSON
                print(json.dumps(outcome.report, indent=2))
            return _error(outcome.error)
        print(json.dumps(outcome.report, indent=2) if args.json else outcome.text)
        return 0 if outcome.ok else 1
    if args.json:
        print(json.dumps([o.report for o in outcomes], indent=2))
    return 0 if all(o.ok for o in outcomes) else 1


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def _one_line(message) -> str:
    return " ".join(str(message).split())


def _error(message, status: int = 2) -> int:
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return status


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    from .errors import DataError, ModelFileError, TrainingDiverged

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        hint = "" if exc.prog == PROG else f" (see '{exc.prog} --help')"
        return _error(f"{exc}{hint}")
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    if getattr(args, "handler", None) is None:
        return _error("choose a command: train, gradcheck, graph, predict, reproduce, sharpness, audit or derive "
                      "(see 'nets --help')")
    try:
        return args.handler(args)
    except TrainingDiverged as exc:
        return _error(exc, status=1)
    except (DataError, ModelFileError, ValueError, TypeError, OSError) as exc:
        return _error(exc)
    except MemoryError as exc:  # sizes that fit the limits but not this machine
        detail = f": {exc}" if str(exc) else ""
        return _error(f"not enough memory for these arguments{detail}")
    except KeyboardInterrupt:
        return _error("interrupted", status=130)


if __name__ == "__main__":
    sys.exit(main())
