"""Random directions in parameter space (Li et al. 2018, "Visualizing the Loss Landscape of
Neural Nets"): drawing them (:func:`random_directions`), the loss over the plane they span
(:func:`loss_grid_directions`, and its plain loop), and placing a path on such a plane
(:func:`project_path`) or on a plane of two named parameters (:func:`axis_path`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ..backprop import forward, loss_value
from ..losses import LOSSES
from ..network import Network
from ..regularisation import Penalty, penalty_grid
from .kernels import Workspace, activate, fold, matmul, mean_loss
from .pool import Block, chunks, run_blocks, threads
from .spec import SurfaceError, check_axes, check_data, check_seed, check_values


def random_directions(network: Network, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two random directions in parameter space, filter-normalised (Li et al. 2018).

    Both are drawn together as standard normal vectors from ``default_rng(seed)``, so the
    same seed and network shape give the same directions. A "filter" of a fully connected
    layer is one neuron's incoming weights, a row of ``W[k]``: each row of a direction is
    rescaled to the norm of the corresponding weight row, so that a step of 1 along it is
    as large, neuron by neuron, as the weights themselves (a row of zero weights gets a zero
    direction). Bias entries are zero, as in the paper's setting that ignores biases (their
    scale is not comparable with the weights'), and so are frozen parameters; a row with
    frozen weights rescales its trainable entries to the norm of the whole weight row.
    """
    rng = np.random.default_rng(check_seed(seed))
    raw = rng.standard_normal((2, network.params.size))
    mask = network.trainable_mask()
    dirs = []
    for d in raw:
        d = d * mask
        for sl in network.bias_slices:
            d[sl] = 0.0
        for k, sl in enumerate(network.weight_slices):
            rows = d[sl].reshape(network.weights[k].shape)
            w_norm = np.linalg.norm(network.weights[k], axis=1)
            d_norm = np.linalg.norm(rows, axis=1)
            scale = np.divide(w_norm, d_norm, out=np.zeros_like(w_norm), where=d_norm > 0)
            rows *= scale[:, None]
        dirs.append(d)
    return dirs[0], dirs[1]


class _Move(NamedTuple):
    """How one direction moves a layer: its weights ``D`` (out, in) and bias ``db``
    (out, 1, 1, 1)."""

    D: np.ndarray
    db: np.ndarray


class _MovingLayer(NamedTuple):
    """A layer's weights ``W`` (out, in) and bias ``b`` (out, 1, 1, 1), and how each of the
    two directions moves them (None where a direction is zero in this layer)."""

    W: np.ndarray
    b: np.ndarray
    moves: tuple[_Move | None, _Move | None]


def loss_grid_directions(network: Network, inputs: ArrayLike, targets: ArrayLike,
                         loss: str, d1: ArrayLike, d2: ArrayLike, alphas: ArrayLike,
                         betas: ArrayLike, *, workers: int | None = None,
                         penalty: Penalty | None = None) -> np.ndarray:
    """The loss at ``params + alphas[i] * d1 + betas[j] * d2``, as (len(alphas), len(betas)).

    Every parameter may move, so from the first layer in which d1 or d2 is not zero (the
    layers before it are computed once) every layer is computed per grid point, in chunks
    of grid points, by :func:`_directions_layer`: one small matrix product per point with
    that point's own weights ``W + alpha * D1 + beta * D2``. Non-finite losses are ``+inf``.
    ``inputs`` are the data's inputs (the network's input features are applied here); with
    a ``penalty`` each point's loss is E = data loss + the weight penalty there
    (:func:`~simulator.engine.regularisation.penalty_grid`).
    """
    X, T = check_data(network, inputs, targets, loss)
    av, bv = check_values(alphas, "alphas"), check_values(betas, "betas")
    P = network.params.size
    dv1 = np.ascontiguousarray(d1, dtype=np.float64)
    dv2 = np.ascontiguousarray(d2, dtype=np.float64)
    if dv1.shape != (P,) or dv2.shape != (P,):
        raise SurfaceError(f"the directions must have {P} values each (one per parameter)")
    if not (np.isfinite(dv1).all() and np.isfinite(dv2).all()):
        raise SurfaceError("the directions must be finite")
    result = _directions_grid(network, X, T, loss, dv1, dv2, av, bv, workers)
    if penalty is not None and penalty.active:
        with np.errstate(all="ignore"):
            result += penalty_grid(network, penalty, av, bv, directions=(dv1, dv2))
    result[~np.isfinite(result)] = np.inf
    return result


def _directions_grid(network: Network, X: np.ndarray, T: np.ndarray, loss: str,
                     dv1: np.ndarray, dv2: np.ndarray, av: np.ndarray, bv: np.ndarray,
                     workers: int | None) -> np.ndarray:
    """:func:`loss_grid_directions`'s data loss over the network's inputs ``X`` (checked)."""
    L = len(network.layers)
    dn = (network.with_params(dv1), network.with_params(dv2))
    moving = [any(d.weights[k].any() or d.biases[k].any() for d in dn) for k in range(L)]
    result = np.empty((av.size, bv.size))
    if not any(moving):
        result[:] = loss_value(network, X, T, loss)
        result[~np.isfinite(result)] = np.inf
        return result
    k0 = moving.index(True)
    n = X.shape[0]
    with np.errstate(all="ignore"):
        prefix = np.ascontiguousarray(forward(network, X).outs[k0].T).reshape(-1, 1, 1, n)

    def bias(net: Network, k: int) -> np.ndarray:
        size = network.sizes[k + 1]
        return np.broadcast_to(net.bias_value(k), (size,)).reshape(-1, 1, 1, 1).copy()

    def move(d: Network, k: int) -> _Move | None:
        return _Move(d.weights[k], bias(d, k)) if (d.weights[k].any() or d.biases[k].any()) \
            else None

    layers = [_MovingLayer(network.weights[k], bias(network, k), (move(dn[0], k), move(dn[1], k)))
              for k in range(L)]
    acts = [layer.activation for layer in network.layers]
    keep_net = LOSSES[loss].on_net
    widest = max(network.sizes[k0:])

    def work(chunk: Block, ws: Workspace) -> None:
        a, b = av[chunk.rows], bv[chunk.cols]
        h = prefix
        for k in range(k0, L):
            net = _directions_layer(layers[k], h, a, b, ws, f"net{k}")
            if k == L - 1:
                saved = net.copy() if keep_net else None
                activate(acts[k], net, ws, f"act{k}")
                result[chunk.rows, chunk.cols] = mean_loss(loss, net, saved, T, ws)
            else:
                h = activate(acts[k], net, ws, f"act{k}")

    workers_now = threads(workers)
    run_blocks(chunks(av.size, bv.size, widest * n, workers_now), work, workers_now)
    result[~np.isfinite(result)] = np.inf
    return result


def _directions_layer(layer: _MovingLayer, h: np.ndarray, a: np.ndarray, b: np.ndarray,
                      ws: Workspace, key: str) -> np.ndarray:
    """The net input of a layer whose weights move with the grid point: W + a D1 + b D2,
    for the input ``h`` (k, rows, cols, n), or (k, 1, 1, n) when it is the same for every
    point.

    Small layers use one matrix product per point with that point's own weights and bias,
    computed entry by entry as params + a * d1 + b * d2 is; large ones, whose per-point
    products OpenBLAS would thread, the sum W @ h + a (D1 @ h) + b (D2 @ h) of three
    blocked products (the same up to rounding)."""
    W = layer.W
    m, k = W.shape
    grid = (a.size, b.size)
    G = grid[0] * grid[1]
    n = h.shape[3]
    shared = h.shape[1:3] == (1, 1)
    coefs = (a.reshape(-1, 1, 1, 1), b.reshape(1, -1, 1, 1))
    net = ws.get(key, (m, *grid, n))
    bg = np.broadcast_to(layer.b[:, 0, 0, 0], (*grid, m))
    for coef, mv in zip(coefs, layer.moves):
        if mv is not None:
            bg = bg + coef[..., 0] * mv.db[:, 0, 0, 0]
    if m * k * n <= 1 << 16 and (m > 1 or k * n < 9216):
        Wg = np.broadcast_to(W, (*grid, m, k))
        for coef, mv in zip(coefs, layer.moves):
            if mv is not None:
                Wg = Wg + coef * mv.D
        hv = h.reshape(k, n) if shared else h.reshape(k, G, n).transpose(1, 0, 2)
        np.matmul(Wg.reshape(G, m, k), hv, out=net.reshape(m, G, n).transpose(1, 0, 2))
    elif shared:
        parts = [matmul(W, h)]
        for coef, mv in zip(coefs, layer.moves):
            if mv is not None:
                parts.append(coef.reshape(1, *coef.shape[:2], 1) * matmul(mv.D, h))
        parts = fold(parts)
        np.copyto(net, parts[0])
        for p in parts[1:]:
            net += p
    else:
        matmul(W, h, net, ws)
        for coef, mv, tag in zip(coefs, layer.moves, (".t1", ".t2")):
            if mv is not None:
                t = matmul(mv.D, h, ws.get(key + tag, net.shape), ws)
                t *= coef.reshape(1, *coef.shape[:2], 1)
                net += t
    net += np.moveaxis(bg, -1, 0)[..., None]
    return net


def loss_grid_directions_loop(network: Network, inputs: ArrayLike, targets: ArrayLike,
                              loss: str, d1: np.ndarray, d2: np.ndarray,
                              alphas: ArrayLike, betas: ArrayLike, *,
                              penalty: Penalty | None = None) -> np.ndarray:
    """:func:`loss_grid_directions` one engine forward pass (and the engine's loss with its
    penalty) per grid point."""
    X, T = check_data(network, inputs, targets, loss)
    av, bv = check_values(alphas, "alphas"), check_values(betas, "betas")
    out = np.empty((av.size, bv.size))
    with np.errstate(all="ignore"):
        for i, a in enumerate(av):
            for j, b in enumerate(bv):
                p = network.params + a * d1 + b * d2
                out[i, j] = loss_value(network.with_params(p), X, T, loss, penalty)
    out[~np.isfinite(out)] = np.inf
    return out


# --- paths on a plane ------------------------------------------------------------------------

def project_path(params_path: ArrayLike, center: ArrayLike, d1: ArrayLike,
                 d2: ArrayLike) -> np.ndarray:
    """The (alpha, beta) coordinates of each row of ``params_path`` (T, P) on the plane
    ``center + alpha * d1 + beta * d2``: the least-squares solution of
    ``[d1 d2] @ (alpha, beta) = p - center``, as in Li et al. (d1 and d2 need not be
    orthogonal). Returns (T, 2). With d1 and d2 parallel (or one of them zero) the
    minimum-norm solution is returned."""
    path = np.asarray(params_path, dtype=np.float64)
    if path.ndim == 1:
        path = path[None, :]
    c = np.asarray(center, dtype=np.float64)
    A = np.column_stack([np.asarray(d1, dtype=np.float64), np.asarray(d2, dtype=np.float64)])
    if path.shape[1:] != c.shape or A.shape[0] != c.size:
        raise SurfaceError("the path, the centre and the directions must have one value per "
                           "parameter")
    coords, *_ = np.linalg.lstsq(A, (path - c).T, rcond=None)
    return np.ascontiguousarray(coords.T)


def axis_path(network: Network, axes: Sequence[str], params_path: ArrayLike) -> np.ndarray:
    """The (x, y) coordinates of a path (T, P) on a surface over two named parameters."""
    p1, p2 = check_axes(network, axes)
    path = np.asarray(params_path, dtype=np.float64)
    return np.ascontiguousarray(path[:, [network.index_of[p1], network.index_of[p2]]])
