"""The training step as plain numpy code: trace once, write the forward and backward pass as source.

:func:`compile` traces ``fn()`` once, as :class:`autograd_mini.Replay` does,
and asks every op of the graph for its code (``Op.code`` and
``Op.vjp_code``): the forward pass becomes one numpy statement per op, named
after the tensors (a tensor's ``name``, generated names otherwise), and the
backward pass the VJPs in reverse order, only those the leaves that require
grad need, with the engine's unbroadcasting written out as the sum it needs
(``db1 = dZ1.sum(axis=1, keepdims=True)``) and accumulation written where a
tensor is used twice::

    step = compile(lambda: cost_of(X, Y))
    print(step.source)            # def step(W1, b1, ..., X, Y): ... return cost, {"dW1": ...}
    value = step.forward()        # reads every leaf's current .data, as Replay
    step.backward()               # fills .grad of the leaves that require it

``forward()``/``backward()`` have Replay's contract and compute the same
numbers to the last bit: the code is the ops' own operations in the same
order, products through :func:`autograd_mini.tuning.matmul` as the ops run
them (so with the same measured decisions), VJPs conformed to their inputs'
shapes and dtypes where :func:`autograd_mini.engine.conform` would. Each
compilation checks this on the traced arrays before it is returned (a
:class:`CompileError` otherwise). Under :func:`autograd_mini.detect_anomaly`
a variant of the code that checks every op as Replay does runs instead.

``source`` is a readable, self-contained version of the same function (it
imports nothing but numpy as ``np``; products are written ``a @ b``, so
without tuning it gives the same numbers, and with it the same to rounding).
Python numbers the function combined with tensors (``1 - Y``) are written in
the code as literals; every other leaf is an argument, named after the tensor.
"""
from __future__ import annotations

import builtins
import keyword
import math
import re

import numpy as np

from . import tuning
from .anomaly import _AnomalyMode, check_backward, check_forward
from .broadcast import _reduction, sum_to_shape
from .dtypes import PROMOTES_BY_DTYPE, scalar_like
from .engine import store_grad
from .graph import collect
from .replay import ReplayError, check_leaves, trace

__all__ = ["Compiled", "CompileError", "compile"]


class CompileError(TypeError):
    """``fn`` cannot be compiled: it does not return a one-element Tensor, or an op has no code."""


#: Ops whose inputs may be written as literals (arithmetic only: no method is called on them).
_LITERAL_FRIENDLY = {"Add", "Sub", "Mul", "Div", "Affine", "SumOfSquares"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED = {"np", "matmul", "check_forward", "check_backward", "None", "True", "False"}


class Emitter:
    """Collects lines of code and hands out names; what an op's ``code`` methods write with.

    ``tuned`` is True for the code that runs (products as ``matmul(a, b)``, the
    tuned product of :mod:`autograd_mini.tuning`; in-place sums where the op
    does them), False for the readable ``source`` (``a @ b``).
    """

    def __init__(self, tuned: bool, names: set, info: dict):
        self.tuned = tuned
        self.lines = []
        self._names = names  # every name in use, shared by all emitters of one compilation
        self._info = info  # name -> (shape, dtype)
        self._temps = {}  # (op id, base) -> name
        self.op = None  # the op whose code is being written
        self.units = set()  # names of gradients known to be exactly ones (the seed)

    # ------------------------------------------------------------------ for ops
    def line(self, text: str) -> None:
        self.lines.append(text)

    def temp(self, base: str) -> str:
        """A fresh name for a helper variable of the current op (the same one again for the same base)."""
        key = (id(self.op), base)
        if key not in self._temps:
            self._temps[key] = unique_name(base, self._names)
        return self._temps[key]

    def temp_named(self, base: str) -> str:
        """The name :meth:`temp` gave ``base`` for the current op (in its forward code)."""
        return self._temps[(id(self.op), base)]

    def mm(self, a: str, b: str) -> str:
        return f"matmul({a}, {b})" if self.tuned else f"{a} @ {b}"

    def number(self, value, like: str) -> str:
        """A constant the op writes with :func:`~autograd_mini.dtypes.scalar_like` (``value``
        next to the array named ``like``): a bare number in the readable source and wherever
        numpy promotes by dtype; ``scalar_like(value, like)`` in the code that runs on a numpy
        that promotes by value, so the numbers stay the ops' own to the last bit."""
        if self.tuned and not PROMOTES_BY_DTYPE:
            return f"scalar_like({value!r}, {like})"
        return repr(value)

    def shape_of(self, name: str) -> tuple:
        return self._info[name][0]

    def dtype_of(self, name: str) -> np.dtype:
        return self._info[name][1]

    @staticmethod
    def dtype_text(dtype) -> str:
        return f"np.{np.dtype(dtype).name}"

    def exp_of_non_positive(self, argument: str) -> str:
        """``np.exp(argument)`` into a temp, quiet on underflow (as the ops' ``_exp_of_non_positive``)."""
        e = self.temp("e")
        self.line('with np.errstate(under="ignore"):')
        self.line(f"    {e} = np.exp({argument})")
        return e

    def stable_sigmoid(self, x: str) -> str:
        """The expression of ``ops.stable_sigmoid(x)``."""
        e = self.exp_of_non_positive(f"-np.abs({x})")
        one = self.number(1, x)
        return f"np.where({x} >= 0, {one}, {e}) / ({one} + {e})"

    def sum_to(self, x: str, source: tuple, shape: tuple) -> str:
        """The expression of ``sum_to_shape(x, shape)`` for an ``x`` of shape ``source``."""
        shape = tuple(shape)
        if tuple(source) == shape:
            return x
        axes, extra = _reduction(tuple(source), shape)
        operand = x if _IDENTIFIER.fullmatch(x) else f"({x})"
        text = f"{operand}.sum(axis={axes!r}, keepdims=True)"
        return f"{text}.reshape({shape!r})" if extra else text

    def scaled(self, expression: str, g: str, dtype) -> str:
        """``expression * g``, or ``expression`` alone where ``g`` is the seed of ones (the same bits)."""
        # units holds names only when every array of the graph has the seed's dtype.
        if g in self.units:
            return expression
        return f"{expression} * {g}"


def unique_name(base: str, taken: set) -> str:
    """``base`` made a valid identifier not in ``taken`` (a number appended if needed); reserved there."""
    name = re.sub(r"\W", "_", base) or "t"
    if name[0].isdigit():
        name = "t" + name
    if not name.isidentifier():  # anything a name could hold ends up as a plain identifier, never as code
        name = "t"
    if keyword.iskeyword(name) or name in _RESERVED:
        name += "_"
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    taken.add(candidate)
    return candidate


def _literal(value: np.ndarray, bare: bool) -> str:
    """A 0-d constant as source: a bare Python number where that promotes alike, else ``np.float32(...)``."""
    number = float(value)
    if math.isnan(number):
        text = 'float("nan")'
    elif math.isinf(number):
        text = 'float("inf")' if number > 0 else '-float("inf")'
    elif number.is_integer() and abs(number) < 2**53:
        text = str(int(number))
    else:
        text = repr(number)
    return text if bare else f"np.{value.dtype.name}({text})"


class Compiled:
    """The compiled step of ``fn()``; see the module docstring and :func:`compile`."""

    def __init__(self, fn):
        root = trace(fn)
        if not hasattr(root, "op") or not hasattr(root, "data"):
            raise CompileError(f"compile: fn must return a one-element Tensor, got {type(root).__name__}")
        if root.data.size != 1:
            raise CompileError(
                f"compile: fn must return a one-element Tensor (a cost), got one of shape {root.shape}"
            )
        graph = collect(root)
        graph.tensors.sort(key=lambda t: t._seq)
        for t in graph.tensors:
            op = t.op
            if op is not None and (type(op).code is _base_code or type(op).vjp_code is _base_vjp_code):
                raise CompileError(f"compile: {op.describe()} has no code (Op.code / Op.vjp_code): "
                                   f"a graph with it can be replayed (autograd_mini.Replay), not compiled")
        self.root_shape, self.root_dtype = root.shape, root.dtype
        self.requires_grad = root.requires_grad
        self._name_tensors(graph.tensors, root)
        self._probe(graph, root)
        self.source = self._generate(graph, root, "source")
        tuned = self._generate(graph, root, "tuned")
        checked = self._generate(graph, root, "checked")
        #: The code that forward() and backward() run (products through tuning.matmul).
        self.tuned_source = tuned
        self._ops = [t.op for t in graph.tensors if t.op is not None]
        namespace = {"np": np, "matmul": tuning.matmul, "scalar_like": scalar_like}
        self._forward, self._backward = _exec(tuned, namespace, ("forward", "backward"))
        checks = {"np": np, "matmul": tuning.matmul, "scalar_like": scalar_like,
                  "check_forward": self._check_forward, "check_backward": self._check_backward}
        self._checked_forward, self._checked_backward = _exec(checked, checks, ("forward", "backward"))
        #: The readable function of ``source``: ``step(leaf arrays...) -> (value, {"dW1": ...})``.
        self.function = _exec(self.source, {"np": np}, ("step",))[0]
        #: (tensor, traced shape, traced dtype) of every leaf passed to the code, checked at each forward().
        self._leaves = [(t, t.shape, t.dtype) for t in self.leaf_tensors]
        self._release(graph)
        self._self_check()
        self.reference_grads = self.reference_value = None  # the check's numbers: not kept
        self.saved = None

    # ------------------------------------------------------------------ names
    def _name_tensors(self, tensors, root) -> None:
        taken = set()
        names = {}
        literal_ok = {}
        for t in tensors:
            if t.op is not None:
                for p in t.op.inputs:
                    ok = type(t.op).__name__ in _LITERAL_FRIENDLY
                    literal_ok[id(p)] = literal_ok.get(id(p), True) and ok
        self.literals = {}  # id -> (tensor, array, text)
        bare_ok = {}
        for t in tensors:  # a bare number promotes as the 0-d array only when every co-operand is float64
            if t.op is not None:
                for p in t.op.inputs:
                    others = [q.dtype for q in t.op.inputs if q is not p]
                    bare_ok[id(p)] = bare_ok.get(id(p), True) and p.dtype == np.float64 and all(
                        d == np.float64 for d in others)
        leaf_count = op_count = 0
        for t in tensors:
            if t.op is None and not t.requires_grad and not t.name and t.data.ndim == 0 \
                    and literal_ok.get(id(t), False) and t is not root:
                text = _literal(t.data, bare_ok.get(id(t), False))
                names[id(t)] = text
                self.literals[id(t)] = (t, t.data)
                continue
            if t.name:
                base = t.name
            elif t is root:
                base = "out"
            elif t.op is None:
                base, leaf_count = f"x{leaf_count}", leaf_count + 1
            else:
                base, op_count = f"t{op_count}", op_count + 1
            names[id(t)] = unique_name(base, taken)
        self.names, self.taken = names, taken
        self.info = {names[id(t)]: (t.shape, t.dtype) for t in tensors}
        self.grad_names = {}
        for t in tensors:
            if t.requires_grad:
                self.grad_names[id(t)] = unique_name("d" + names[id(t)], taken)

    # ------------------------------------------------------------------ probe
    def _probe(self, graph, root) -> None:
        """Run the traced ops' backward once: the VJPs' types, shapes and dtypes, and the reference numbers."""
        self.vjp_info = {}  # (op id, position) -> (is ndarray, shape, dtype)
        self.reference_grads = {}
        self.reference_value = np.array(root.data, copy=True)
        if not root.requires_grad:
            return
        grads = {id(root): np.ones(root.shape, dtype=root.dtype)}
        for t in reversed(graph.tensors):
            op = t.op
            g = grads.get(id(t))
            if op is None or g is None:
                continue
            vjps = op.backward(g)
            for position, (parent, needed) in enumerate(zip(op.inputs, op.needs_input_grad)):
                if not needed:
                    continue
                vjp = vjps[position]
                self.vjp_info[(id(op), position)] = (type(vjp) is np.ndarray, np.shape(vjp), np.asarray(vjp).dtype)
                vjp = np.asarray(vjp)
                if vjp.shape != parent.shape:
                    vjp = sum_to_shape(vjp, parent.shape)
                if vjp.dtype != parent.dtype:
                    vjp = vjp.astype(parent.dtype)
                previous = grads.get(id(parent))
                grads[id(parent)] = vjp if previous is None else previous + vjp
        self.reference_grads = grads

    def _release(self, graph) -> None:
        for op in graph.ops:
            op.release()

    # ------------------------------------------------------------------ code
    def _generate(self, graph, root, mode: str) -> str:
        tuned = mode != "source"
        checked = mode == "checked"
        names, info = self.names, dict(self.info)
        taken = set(self.taken)
        fwd = Emitter(tuned, taken, info)
        leaves = [t for t in graph.tensors if t.op is None and id(t) not in self.literals]
        self.leaf_tensors = leaves
        ops = [t for t in graph.tensors if t.op is not None]
        op_index = {id(t.op): k for k, t in enumerate(ops)}
        for t in ops:
            op = t.op
            fwd.op = op
            out = names[id(t)]
            ins = [names[id(p)] for p in op.inputs]
            try:
                expression = op.code(fwd, out, *ins)
            except NotImplementedError as error:
                raise CompileError(f"compile: {error}") from None
            if expression is not None:
                fwd.line(f"{out} = np.asarray({expression})" if t.shape == () else f"{out} = {expression}")
            if checked:
                fwd.line(f"check_forward({op_index[id(op)]}, {out})")
        forward_temps = _ordered(fwd._temps.values())
        bwd = Emitter(tuned, taken, info)
        bwd._temps = fwd._temps
        grads = {}  # id(tensor) -> name holding its gradient so far
        returned = []
        if self.requires_grad:
            seed = self.grad_names[id(root)]
            bwd.line(f"{seed} = np.ones({self.root_shape!r}, dtype={Emitter.dtype_text(self.root_dtype)})")
            info[seed] = (self.root_shape, self.root_dtype)
            if all(t.dtype == self.root_dtype for t in graph.tensors):
                bwd.units.add(seed)
            grads[id(root)] = seed
            for t in reversed(ops):
                op = t.op
                g = grads.get(id(t))
                if g is None:
                    continue
                bwd.op = op
                ins = [names[id(p)] for p in op.inputs]
                try:
                    vjps = op.vjp_code(bwd, g, names[id(t)], *ins)
                except NotImplementedError as error:
                    raise CompileError(f"compile: {error}") from None
                for position, (parent, needed) in enumerate(zip(op.inputs, op.needs_input_grad)):
                    if not needed:
                        continue
                    is_array, shape, dtype = self.vjp_info[(id(op), position)]
                    v = vjps[position]
                    alias = _IDENTIFIER.fullmatch(v) is not None
                    if not is_array:
                        v, alias = f"np.asarray({v})", False
                    if shape != parent.shape:
                        v, alias = bwd.sum_to(v, shape, parent.shape), False
                    if dtype != parent.dtype:
                        operand = v if _IDENTIFIER.fullmatch(v) else f"({v})"
                        v, alias = f"{operand}.astype({Emitter.dtype_text(parent.dtype)})", False
                    if checked:
                        temp = unique_name("vjp", taken)
                        bwd.line(f"{temp} = {v}")
                        bwd.line(f"check_backward({op_index[id(op)]}, {position}, {temp})")
                        v, alias = temp, True
                    target = grads.get(id(parent))
                    name = self.grad_names[id(parent)]
                    if target is None:
                        if alias and v != name:
                            # A gradient passed on unchanged (Add's): the same array, as in Replay.
                            if v in bwd.units:
                                bwd.units.add(name)
                        bwd.line(f"{name} = {v}")
                    else:
                        bwd.units.discard(name)
                        bwd.line(f"{name} = {target} + {v}")
                    grads[id(parent)] = name
        if self.requires_grad and not any(_IDENTIFIER.findall(text).count(seed) for text in bwd.lines[1:]):
            del bwd.lines[0]  # the seed of ones was only ever multiplied by (BCE's fused dZ): not needed
        self.owners = [t for t in graph.tensors if t.requires_grad and (t.op is None or t._retains_grad)]
        owner_grads = [grads.get(id(t)) for t in self.owners]
        args = ", ".join(names[id(t)] for t in leaves)
        value = names[id(root)]
        used = set()
        for text in bwd.lines:
            used.update(_IDENTIFIER.findall(text))
        saved = [n for n in _ordered(names[id(t)] for t in graph.tensors) if n in used and _IDENTIFIER.fullmatch(n)]
        saved += [n for n in forward_temps if n in used and n not in saved]
        if mode == "source":
            keys = ", ".join(f'"d{names[id(t)]}": {g or "None"}' for t, g in zip(self.owners, owner_grads))
            body = ["# forward"] + fwd.lines + (["# backward"] + bwd.lines if self.requires_grad else [])
            doc = ('"""The value of the traced function and the gradients of its leaves that require grad, '
                   'written by autograd_mini.compile."""')
            lines = [f"def step({args}):", "    " + doc] + ["    " + text for text in body]
            lines.append(f"    return {value}, {{{keys}}}")
            return "\n".join(lines) + "\n"
        saved_text = ", ".join(saved)
        lines = [f"def forward({args}):"] + ["    " + text for text in fwd.lines]
        lines.append(f"    return {value}, ({saved_text}{',' if len(saved) == 1 else ''})")
        lines.append("")
        lines.append(f"def backward({saved_text}):")
        lines += ["    " + text for text in bwd.lines] or ["    pass"]
        returns = ", ".join(g or "None" for g in owner_grads)
        lines.append(f"    return ({returns}{',' if len(owner_grads) == 1 else ''})")
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ anomaly checks
    def _check_forward(self, k, value):
        op = self._ops[k]
        check_forward(op, op.inputs, value)

    def _check_backward(self, k, position, vjp):
        check_backward(self._ops[k], position, vjp)

    # ------------------------------------------------------------------ running
    def _self_check(self) -> None:
        """The tuned code on the traced arrays gives the traced value and the probe's gradients, bit for bit."""
        arrays = [t.data for t in self.leaf_tensors]
        value, saved = self._forward(*arrays)
        if not _same(value, self.reference_value):
            raise CompileError("compile: the generated forward pass does not reproduce the traced value")
        if not self.requires_grad:
            return
        grads = self._backward(*saved)
        for t, g in zip(self.owners, grads):
            expected = self.reference_grads.get(id(t))
            if (g is None) != (expected is None) or (g is not None and not _same(g, expected)):
                raise CompileError(f"compile: the generated backward pass does not reproduce the gradient "
                                   f"of {self.names[id(t)]}")

    def forward(self) -> np.ndarray:
        """Run the compiled forward pass on the leaves' current data; returns the value (a 0-d or 1-element array)."""
        arrays = check_leaves(self._leaves, "Compiled")
        for t, array in self.literals.values():
            if t.data is not array:
                raise ReplayError("Compiled: a constant written into the code as a literal was given new data; "
                                  "compile again")
        if _AnomalyMode.enabled:
            value, self.saved = self._checked_forward(*arrays)
            self._checked = True
        else:
            value, self.saved = self._forward(*arrays)
            self._checked = False
        return value

    def backward(self) -> None:
        """Backpropagate the last forward() (gradient 1); gradients accumulate into ``.grad``."""
        if self.saved is None:
            raise RuntimeError("Compiled.backward: call forward() first")
        if not self.requires_grad:
            raise RuntimeError("Compiled.backward: the traced result does not require grad")
        saved, self.saved = self.saved, None
        grads = (self._checked_backward if _AnomalyMode.enabled else self._backward)(*saved)
        stored = set()
        for tensor, g in zip(self.owners, grads):
            if g is not None:
                store_grad(tensor, g, stored)

    @property
    def signature(self) -> tuple:
        """What a measured choice about this code is keyed by: the code and its leaves' layouts."""
        return (self.tuned_source,) + tuple((t.data.shape, t.data.strides, t.data.dtype.str)
                                            for t in self.leaf_tensors)


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _ordered(names):
    seen = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def _exec(source: str, namespace: dict, wanted: tuple):
    # The only source ever run here is this module's own output: op code methods of the
    # engine, identifiers made by unique_name() and numbers written by repr().
    exec(builtins.compile(source, "<autograd_mini.compile>", "exec"), namespace)
    return tuple(namespace[name] for name in wanted)


from .op import Op as _Op  # noqa: E402

_base_code, _base_vjp_code = _Op.code, _Op.vjp_code


def compile(fn) -> Compiled:  # noqa: A001 - the public name the design gives it
    """Trace ``fn()`` (which must return a one-element Tensor) and write its step as numpy code.

    Raises :class:`CompileError` when ``fn`` returns something else or its
    graph has an op without code; see :class:`Compiled`.
    """
    return Compiled(fn)
