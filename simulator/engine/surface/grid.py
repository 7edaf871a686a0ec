"""The loss over a grid of two named parameters (:func:`loss_grid`), vectorised over grid
points, and the plain per-point loop it must equal (:func:`loss_grid_loop`).

How the grid is computed
------------------------
Everything is float64 and vectorised over grid points; arrays are laid out neurons first,
``(neurons, A, B, samples)``, where A is 1 or the number of grid rows and B is 1 or the number
of grid columns, so that a value that does not depend on a parameter is not repeated along
its axis (NumPy broadcasting does the rest).

1. The layers before the first varied parameter are computed once, by the engine's own
   forward pass. The earlier of the two parameters is put on the rows (the grid is
   transposed back at the end).
2. The *head* (:func:`_grid_head`, once per block of the grid, normally the whole grid)
   carries on layer by layer for as long as no value depends on both parameters: in the
   layer of a parameter only the neurons it feeds change (one neuron for a weight or a
   neuron's bias, all of them for a shared bias), at shape (…, rows, 1, …) or
   (…, 1, cols, …), i.e. once per row or per column; the next layer adds their
   contribution to the unchanged part. It stops at the first layer whose net input depends
   on both, and leaves that net input as a sum of such narrower terms (:class:`_Lazy`).
3. The *tail* (:func:`_grid_tail`) takes the grid in chunks of about
   :data:`~.pool.CHUNK_ELEMENTS` values (about 1.3 MB, so a chunk stays in a core's cache),
   forms those sums, and runs the rest of the network and the loss per grid point: one
   matrix product per layer. Chunks are spread over a small thread pool (:mod:`.pool`);
   each thread keeps scratch arrays that every operation writes into. Matrix products are
   cut into pieces small enough that OpenBLAS does not start threads of its own on top of
   these (:func:`~.kernels.matmul`).

For the benchmark's 2-8-8-1 network, w5/w6-like weights of the last layer leave only the
output neuron to the tail; two weights of the first layer leave the second hidden layer
and the output (the unavoidable part: 10201 x 200 x 8 tanh evaluations).

The grid equals the plain per-point loop within 1e-12 for losses of ordinary size: the only
differences are the order in which a neuron's net input and the mean over samples are
summed. Every grid point whose loss is not a finite number is returned as ``+inf``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ..backprop import forward, loss_value
from ..losses import LOSSES
from ..network import Network, ParamInfo
from ..regularisation import Penalty, penalty_grid
from .kernels import ELEMENTWISE, Workspace, activate, chunk_part, fold, matmul, mean_loss
from .pool import Block, chunks, run_blocks, threads
from .spec import check_axes, check_data, check_values

#: Elements of the per-row and per-column arrays computed once per block of the grid.
HEAD_ELEMENTS = 1 << 22


# --- what the head leaves for the tail -----------------------------------------------------

@dataclass
class _Varied:
    """One varied parameter of a layer: which grid axis gives its value, and where it is."""

    axis: int  # 0: the x values (rows), 1: the y values (columns)
    info: ParamInfo


@dataclass
class _LayerPlan:
    """A layer's weights (out, in) and bias (out, 1, 1, 1) with the varied entries set to
    zero, and those entries."""

    W: np.ndarray
    b: np.ndarray
    varied: list[_Varied] = field(default_factory=list)


@dataclass
class _Override:
    """The neurons ``cols`` of a layer, whose values ``values`` (len(cols), A, B, n) depend
    on more of the grid than the rest of the layer's."""

    cols: list[int]
    values: np.ndarray


@dataclass
class _Act:
    """Values of a layer's neurons over part of the grid, neurons first: ``base``
    (s, A, B, n) holds every neuron, except those of an :class:`_Override` in ``over``,
    whose grid dimensions are wider. A is 1 (does not depend on the row) or the number of
    rows, B likewise for columns."""

    base: np.ndarray
    over: list[_Override] = field(default_factory=list)

    def column(self, i: int) -> np.ndarray:
        """Neuron i's values, (A, B, n)."""
        for o in self.over:
            if i in o.cols:
                return o.values[o.cols.index(i)]
        return self.base[i]

    def values(self) -> np.ndarray:
        """Every neuron as one array, at the widest grid dimensions of its parts."""
        if not self.over:
            return self.base
        shape = np.broadcast_shapes(self.base.shape, *(o.values.shape[1:] for o in self.over))
        out = np.empty((self.base.shape[0], *shape[1:]))
        np.copyto(out, self.base)
        for o in self.over:
            out[o.cols] = o.values
        return out


@dataclass
class _Term:
    """A term of a lazy block's net input: ``arr`` (k, A, B, n or 1), times ``value``
    (1, A', B', 1) when that is given."""

    arr: np.ndarray
    value: np.ndarray | None = None


@dataclass
class _LazyBlock:
    """Neurons ``cols`` whose net inputs are the sums of the same-shaped ``terms`` (each
    term's array stacks the neurons)."""

    cols: list[int]
    terms: list[_Term]


@dataclass
class _Lazy:
    """Layer ``layer`` is where the net input first depends on both parameters.

    Its neurons ``cols`` (in the order of ``blocks``) have net inputs that are sums of
    :class:`_Term` arrays, each depending on at most one parameter; the sums are formed
    chunk by chunk. ``act`` holds every other neuron's activated value. For the last layer,
    ``values`` is all of ``act`` as one array; otherwise ``W_lazy`` = W[:, cols] of the next
    layer and ``rest`` the rest of its net input (from the other neurons, plus the bias)."""

    layer: int
    cols: list[int]
    blocks: list[_LazyBlock]
    act: _Act
    values: np.ndarray | None = None
    W_lazy: np.ndarray | None = None
    rest: np.ndarray | None = None


# --- the grid ------------------------------------------------------------------------------

def loss_grid(network: Network, inputs: ArrayLike, targets: ArrayLike, loss: str,
              p1: str, p2: str, xs: ArrayLike, ys: ArrayLike, *,
              workers: int | None = None, penalty: Penalty | None = None) -> np.ndarray:
    """The loss with parameter ``p1`` at each of ``xs`` and ``p2`` at each of ``ys``.

    Returns ``loss[i, j]`` (len(xs), len(ys)), the loss at p1 = xs[i], p2 = ys[j] with every
    other parameter at its current value; non-finite losses are ``+inf``. ``inputs`` are
    the data's inputs (the network's input features are applied to them here). With a
    ``penalty`` the loss is E = data loss + the weight penalty P at each grid point
    (:func:`~simulator.engine.regularisation.penalty_grid`), the E that training
    minimises. Vectorised as described in the module documentation; equal to
    :func:`loss_grid_loop` within 1e-12. ``workers`` is the number of threads (default
    :func:`~.pool.worker_count`).
    """
    X, T = check_data(network, inputs, targets, loss)
    p1, p2 = check_axes(network, (p1, p2))
    xv, yv = check_values(xs, "xs"), check_values(ys, "ys")
    result = _loss_grid(network, X, T, loss, p1, p2, xv, yv, workers)
    if penalty is not None and penalty.active:
        with np.errstate(all="ignore"):
            result += penalty_grid(network, penalty, xv, yv, axes=(p1, p2))
    result[~np.isfinite(result)] = np.inf
    return result


def _loss_grid(network: Network, X: np.ndarray, T: np.ndarray, loss: str, p1: str, p2: str,
               xv: np.ndarray, yv: np.ndarray, workers: int | None) -> np.ndarray:
    """:func:`loss_grid`'s data loss over the network's inputs ``X`` (checked)."""
    info1, info2 = network.info(p1), network.info(p2)
    if info2.layer < info1.layer:  # keep the earlier parameter on the rows
        return _loss_grid(network, X, T, loss, p2, p1, yv, xv, workers).T.copy()
    if xv.size == 1 or yv.size == 1:  # a grid dimension of 1 would read as "constant"
        grid = _loss_grid(network, X, T, loss, p1, p2,
                          np.repeat(xv, 2) if xv.size == 1 else xv,
                          np.repeat(yv, 2) if yv.size == 1 else yv, workers)
        return grid[:xv.size, :yv.size].copy()

    L = len(network.layers)
    k0 = info1.layer
    with np.errstate(all="ignore"):
        prefix = np.ascontiguousarray(forward(network, X).outs[k0].T)
    plans: list[_LayerPlan] = []
    for k in range(L):
        W = network.weights[k].copy()
        b = np.broadcast_to(network.bias_value(k), (W.shape[0],)).copy()
        varied = []
        for axis, info in ((0, info1), (1, info2)):
            if info.layer != k:
                continue
            varied.append(_Varied(axis, info))
            if info.kind == "weight":
                W[info.target, info.source] = 0.0
            elif info.target < 0:
                b[:] = 0.0
            else:
                b[info.target] = 0.0
        plans.append(_LayerPlan(W, b.reshape(-1, 1, 1, 1), varied))
    n = X.shape[0]
    result = np.empty((xv.size, yv.size))
    acts = [layer.activation for layer in network.layers]
    keep_net = LOSSES[loss].on_net
    widest = max(network.sizes[k0:])
    tail_widest = max(network.sizes[k0 + 1:])

    for top in _super_blocks(xv.size, yv.size, widest * n):
        vals = (xv[top.rows].reshape(-1, 1, 1), yv[top.cols].reshape(1, -1, 1))
        with np.errstate(all="ignore"):
            lazy = _grid_head(plans, acts, prefix, k0, vals, keep_net)

        def work(chunk: Block, ws: Workspace, top: Block = top, lazy: _Lazy = lazy) -> None:
            result[top.r0 + chunk.r0:top.r0 + chunk.r1, top.c0 + chunk.c0:top.c0 + chunk.c1] = \
                _grid_tail(lazy, plans, acts, loss, keep_net, T, chunk.rows, chunk.cols, ws)

        workers_now = threads(workers)
        run_blocks(chunks(top.r1 - top.r0, top.c1 - top.c0, tail_widest * n, workers_now),
                   work, workers_now)
    result[~np.isfinite(result)] = np.inf
    return result


def _super_blocks(nx: int, ny: int, per_line: int) -> list[Block]:
    """Cut the grid into blocks whose per-row and per-column arrays stay within
    HEAD_ELEMENTS; each block has at least 2 rows and 2 columns (nx, ny >= 2)."""
    limit = max(4, HEAD_ELEMENTS // max(1, per_line))
    if nx + ny <= limit:
        return [Block(0, nx, 0, ny)]
    side = max(2, limit // 2)

    def cuts(total: int) -> list[tuple[int, int]]:
        parts = max(1, min(total // 2, -(-total // side)))
        edges = [round(i * total / parts) for i in range(parts + 1)]
        return list(itertools.pairwise(edges))

    return [Block(r0, r1, c0, c1) for r0, r1 in cuts(nx) for c0, c1 in cuts(ny)]


def _grid_head(plans: list[_LayerPlan], acts: list[str], prefix: np.ndarray, k0: int,
               vals: tuple[np.ndarray, np.ndarray], keep_net: bool) -> _Lazy:
    """Run the layers from ``k0`` over a whole block of the grid for as long as nothing
    depends on both parameters, and describe the first layer where something does."""
    n = prefix.shape[1]
    full = (vals[0].shape[0], vals[1].shape[1])
    ws = Workspace()
    h = _Act(prefix.reshape(-1, 1, 1, n))
    L = len(plans)
    for k in range(k0, L):
        plan = plans[k]
        W = plan.W
        n_out, n_in = W.shape
        # 1. The net input without this layer's varied parameters: W's columns times the
        #    input's blocks, each at its own grid dimensions.
        parts: list[np.ndarray] = []
        covered = {c for o in h.over for c in o.cols}
        keep = [c for c in range(n_in) if c not in covered]
        if keep:
            rest = matmul(np.ascontiguousarray(W[:, keep]),
                          h.base if len(keep) == n_in else h.base[keep])
            parts.append(rest)
        for o in h.over:
            if len(o.cols) == 1:  # an outer product: BLAS is slow at inner size 1
                parts.append(W[:, o.cols[0]].reshape(-1, 1, 1, 1) * o.values)
            else:
                parts.append(matmul(np.ascontiguousarray(W[:, o.cols]), o.values))
        parts = fold(parts + [plan.b])
        blocks: list[_LazyBlock] = []
        if np.broadcast_shapes(*(p.shape for p in parts))[1:3] == full:
            # Every neuron's net input depends on both parameters (through the inputs).
            assert not plan.varied
            blocks = [_LazyBlock(list(range(n_out)), [_Term(p) for p in parts])]
            act = _Act(np.zeros((n_out, 1, 1, n)))
        else:
            net = parts[0]
            for p in parts[1:]:
                net = net + p
            act, lazy_cols = _head_terms(_Act(net), plan, vals, h, full)
            if k == L - 1 and (not lazy_cols or acts[k] not in ELEMENTWISE or keep_net):
                # The output neurons depend on one parameter each (they meet in the loss),
                # or the activation mixes them (softmax), or the loss needs their net
                # input: the whole output layer goes to the tail.
                for j in range(n_out):
                    if j not in lazy_cols:
                        lazy_cols[j] = [_Term(act.column(j)[None].copy())]
            blocks = _group_blocks(lazy_cols)
            activate(acts[k], act.base, ws, "b")
            for o in act.over:
                activate(acts[k], o.values, ws, "o")
        if not blocks:
            h = act
            continue
        lazy_order = [c for block in blocks for c in block.cols]
        lazy = _Lazy(k, lazy_order, blocks, act)
        if k == L - 1:
            lazy.values = act.values()
        else:
            nxt = plans[k + 1]
            others = [c for c in range(n_out) if c not in set(lazy_order)]
            lazy.W_lazy = np.ascontiguousarray(nxt.W[:, lazy_order])
            terms = [nxt.b]
            if others:
                vals_all = act.values()
                terms.append(matmul(np.ascontiguousarray(nxt.W[:, others]),
                                    np.ascontiguousarray(vals_all[others])))
            rest = terms[0]
            for t in terms[1:]:
                rest = rest + t
            lazy.rest = rest
        return lazy
    raise AssertionError("the grid never depended on both parameters")


def _head_terms(net: _Act, plan: _LayerPlan, vals: tuple[np.ndarray, np.ndarray], h: _Act,
                full: tuple[int, int]) -> tuple[_Act, dict[int, list[_Term]]]:
    """Add the varied parameters' terms to the net input ``net``: where the result is
    narrower than the grid it is computed (in place, or as override blocks), where it
    depends on both parameters it is left as terms for the tail."""
    base = net.base
    n_out = base.shape[0]
    terms: dict[int, list[_Term]] = {}
    for v in plan.varied:
        value = vals[v.axis][None]  # (1, rows, 1, 1) or (1, 1, cols, 1)
        info = v.info
        if info.kind == "weight":
            col = h.column(info.source)[None]
            if np.broadcast_shapes(value.shape[1:3], col.shape[1:3]) == full:
                terms.setdefault(info.target, []).append(_Term(col, value))
            else:
                terms.setdefault(info.target, []).append(_Term(value * col))
        else:
            for j in (range(n_out) if info.target < 0 else [info.target]):
                terms.setdefault(j, []).append(_Term(value))
    lazy: dict[int, list[_Term]] = {}
    eager: dict[tuple[int, ...], list[tuple[int, np.ndarray]]] = {}
    for j, ts in terms.items():
        own = base[j:j + 1].copy()
        dims = np.broadcast_shapes(own.shape[1:3], *(
            np.broadcast_shapes(t.arr.shape[1:3], t.value.shape[1:3]) if t.value is not None
            else t.arr.shape[1:3] for t in ts))
        if dims == full:
            adds = fold([own] + [t.arr for t in ts if t.value is None])
            muls = [t for t in ts if t.value is not None]
            lazy[j] = [_Term(a) for a in adds] + muls
        else:
            value_j = own
            for t in ts:
                value_j = value_j + (t.arr if t.value is None else t.value * t.arr)
            value_j = np.broadcast_to(value_j, (1, *dims, base.shape[3]))
            eager.setdefault(dims, []).append((j, value_j))
    over = []
    for dims, items in eager.items():
        if dims == base.shape[1:3]:
            for j, value_j in items:
                base[j:j + 1] = value_j
        else:
            over.append(_Override([j for j, _ in items],
                                  np.concatenate([v for _, v in items])))
    return _Act(base, over), lazy


def _group_blocks(lazy: dict[int, list[_Term]]) -> list[_LazyBlock]:
    """Lazy neurons whose terms have the same shapes, stacked into blocks."""
    groups: dict[tuple[object, ...], list[int]] = {}
    ordered: dict[int, list[_Term]] = {}
    for j, ts in sorted(lazy.items()):
        ts = sorted(ts, key=lambda t: (t.value is not None, t.arr.shape))
        ordered[j] = ts
        sig = tuple((t.arr.shape, None if t.value is None else (t.value.shape, id(t.value)))
                    for t in ts)
        groups.setdefault(sig, []).append(j)
    blocks = []
    for cols in groups.values():
        first = ordered[cols[0]]
        stacked = [_Term(np.concatenate([ordered[j][q].arr for j in cols]), t.value)
                   for q, t in enumerate(first)]
        blocks.append(_LazyBlock(cols, stacked))
    return blocks


def _sum_terms(out: np.ndarray, terms: list[_Term], rows: slice, cols: slice,
               ws: Workspace) -> None:
    """``out`` = the sum of the chunk's part of ``terms``."""
    adds = [chunk_part(t.arr, rows, cols) for t in terms if t.value is None]
    muls = [(chunk_part(t.value, rows, cols), chunk_part(t.arr, rows, cols))
            for t in terms if t.value is not None]
    if len(adds) >= 2:
        np.add(adds[0], adds[1], out=out)
        adds = adds[2:]
    elif muls:
        np.multiply(muls[0][0], muls[0][1], out=out)
        muls = muls[1:]
    else:
        np.copyto(out, adds[0])
        adds = []
    for a in adds:
        out += a
    for value, a in muls:
        tmp = ws.get("sum.tmp", out.shape)
        np.multiply(value, a, out=tmp)
        out += tmp


def _grid_tail(lazy: _Lazy, plans: list[_LayerPlan], acts: list[str], loss: str,
               keep_net: bool, T: np.ndarray, rows: slice, cols: slice,
               ws: Workspace) -> np.ndarray:
    """The loss over one chunk of the grid, from the lazy layer on."""
    k = lazy.layer
    n = lazy.act.base.shape[3]
    grid = (rows.stop - rows.start, cols.stop - cols.start)
    F = ws.get("F", (len(lazy.cols), *grid, n))
    q = 0
    for block in lazy.blocks:
        _sum_terms(F[q:q + len(block.cols)], block.terms, rows, cols, ws)
        q += len(block.cols)
    L = len(plans)
    if k == L - 1:
        assert lazy.values is not None
        m = lazy.values.shape[0]
        if lazy.cols == list(range(m)):
            net = F
        elif sorted(lazy.cols) == list(range(m)):  # all of them, grouped in another order
            net = ws.get("out", (m, *grid, n))
            net[lazy.cols] = F
        else:  # elementwise activation: the other neurons are activated already
            assert acts[k] in ELEMENTWISE and not keep_net
            activate(acts[k], F, ws, "act")
            out = ws.get("out", (m, *grid, n))
            np.copyto(out, chunk_part(lazy.values, rows, cols))
            out[lazy.cols] = F
            return mean_loss(loss, out, None, T, ws)
    else:
        activate(acts[k], F, ws, "act")
        assert lazy.W_lazy is not None and lazy.rest is not None
        k += 1
        net = ws.get(f"net{k}", (plans[k].W.shape[0], *grid, n))
        if len(lazy.cols) == 1:
            np.multiply(lazy.W_lazy.reshape(-1, 1, 1, 1), F[0], out=net)
        else:
            matmul(lazy.W_lazy, F, net, ws)
        net += chunk_part(lazy.rest, rows, cols)
    while True:
        if k == L - 1:
            saved = net.copy() if keep_net else None
            activate(acts[k], net, ws, f"act{k}")
            return mean_loss(loss, net, saved, T, ws)
        activate(acts[k], net, ws, f"act{k}")
        k += 1
        plan = plans[k]
        nxt = matmul(plan.W, net, ws.get(f"net{k}", (plan.W.shape[0], *grid, n)), ws)
        nxt += plan.b
        net = nxt


# --- the plain per-point loop (the reference the vectorised grid must equal) ---------------

def loss_grid_loop(network: Network, inputs: ArrayLike, targets: ArrayLike, loss: str,
                   p1: str, p2: str, xs: ArrayLike, ys: ArrayLike, *,
                   penalty: Penalty | None = None) -> np.ndarray:
    """:func:`loss_grid` the slow, obvious way: one engine forward pass (and the engine's
    loss with its penalty, :func:`~simulator.engine.backprop.loss_value`) per grid point."""
    X, T = check_data(network, inputs, targets, loss)
    i1, i2 = (network.index_of[n] for n in check_axes(network, (p1, p2)))
    xv, yv = check_values(xs, "xs"), check_values(ys, "ys")
    out = np.empty((xv.size, yv.size))
    params = network.params.copy()
    for i, a in enumerate(xv):
        for j, b in enumerate(yv):
            params[i1], params[i2] = a, b
            out[i, j] = loss_value(network.with_params(params), X, T, loss, penalty)
    out[~np.isfinite(out)] = np.inf
    return out
