"""Bit-exact emulation of PyTorch's CPU ``sum`` for float32 / float64 arrays.

Why this exists
---------------
Floating-point addition is not associative, so a sum's last bits depend on the
order of the additions.  ``numpy.sum`` uses pairwise summation (8-way unrolled
blocks along a contiguous axis, plain row-by-row accumulation otherwise).
PyTorch's CPU kernel (``aten/src/ATen/native/cpu/SumKernel.cpp``,
``cascade_sum``) uses a different order, so the two disagree in the last bit
for roughly half of all inputs once more than four elements are summed.
:func:`torch_sum` reproduces PyTorch 2.13's order exactly, with vectorized
numpy; it is tested bit for bit against ``torch.sum`` in
``tests/test_reduce.py``.

The order reproduced
--------------------
``V`` is the number of lanes of ``Vectorized<scalar_t>``.  ``sum_stub`` is
registered with ``REGISTER_DISPATCH``, which leaves the AVX512 slot empty
("slower with AVX512 than with AVX2", pytorch#59415), so an AVX512 machine runs
the AVX2 kernel.  With 32-byte vectors ``V`` is 8 for float32 and 4 for
float64, for AVX512, AVX2 and DEFAULT alike (x86 DEFAULT builds use
``VECTOR_WIDTH`` 32, and ``Vectorized`` adds lane by lane, so the order is the
same).  Accumulation is done in the input dtype, since
``acc_type<float, /*is_cuda=*/true>`` is float.

Building blocks: each reduces a sequence x[0..n) to one value.

* ``seq``: ``((0 + x0) + x1) + ...``, left to right.
* ``cascade`` (``multi_row_sum``): with ``p = max(4, CeilLog2(n) // 4)`` and
  ``s = 2**p``, elements are summed sequentially in blocks of ``s``.  Block
  sums are summed sequentially in groups of ``s``, those group sums again in
  groups of ``s``, and the level-3 sums sequentially without limit.  The
  result is ``((tail + open level 1) + open level 2) + level 3``.  For
  ``n < 16`` this is ``seq``.
* ``rowsum`` (``row_sum``, ILP 4): view ``x[:4m]`` as ``(m, 4)``,
  ``P[k] = cascade(x[k::4])``.  Add the leftover ``x[4m:]`` sequentially to
  ``P[0]``, then return ``((P0 + P1) + P2) + P3``.  For ``n <= 4`` this is
  ``seq``.
* ``vec_inner`` (``vectorized_inner_sum``, needs ``n >= V``): each of the
  ``V`` lanes ``x[l::V]`` (whole vectors only) is reduced with ``rowsum``.
  The result is ``seq(x[V*(n//V):] ++ lanes)``: the scalar tail first, then
  lanes 0..V-1.

TensorIterator decides which block is used where.  ``torch.sum`` builds a
reduction iterator over the input strides.  It sorts dims so that reduced
dims come first (ascending input stride), then kept dims (ascending output
stride, which is contiguous).  It merges adjacent dims that are contiguous
with each other and drops size-1 dims.  The kernel then sees 2-D calls over
iterator dims (0, 1), repeated over the outer dims in Fortran order.  Every
call adds its results into the zero-filled output (``*out += acc``).  In a
call, ``i`` is dim 0, the reduced dim; ``j`` is dim 1.  For each ``j`` the
kernel runs:

* ``vec_inner`` if dim 0 is contiguous and ``size0 >= V``;
* otherwise, if dim 1 is contiguous and ``size1 >= V`` (vectorized outer
  sum): ``cascade`` for the columns in full blocks of ``4V``, ``rowsum`` for
  the rest;
* otherwise, if ``stride0 < stride1``: ``rowsum``;
* otherwise ``cascade`` for columns in full groups of 4, ``rowsum`` for the
  rest.

So an output element is ``0 + c1 + c2 + ...`` over its contributions in
iteration order: ``j`` fastest, then outer dims.

Threads: when the input has ``>= GRAIN_SIZE`` (32768) elements and
``NUM_THREADS > 1``, two things change.  A full reduction (one output) uses
the two-pass reduction.  The iteration range is split into ``NUM_THREADS``
equal chunks, each summed as above into a per-thread buffer.  The buffer
(unused slots are 0) is then summed with ``vec_inner`` or ``rowsum``.
Otherwise one kept dim is split across threads (``find_split_dim``, chunks
rounded to 128 bytes).  That only matters when it is iterator dim 1, because
the 4V/4-column grouping then restarts at each chunk.  So results for large
inputs depend on PyTorch's intra-op thread count.  Set :data:`NUM_THREADS` to
``torch.get_num_threads()`` of the process you compare with.

Layout: the order depends on memory layout.  :func:`torch_sum` uses the
strides of ``a`` as they are, i.e. it reproduces
``torch.from_numpy(a).sum(...)``.  A transposed or sliced view gives the same
bits as the same view in torch.  Arrays with negative strides, which
``from_numpy`` rejects, are treated like their C-contiguous copy
(``torch.tensor(a)``).

Not covered: float16/bfloat16 (accumulated in float through other policies),
integer dtypes, nansum, and non-x86 builds (aarch64/NEON may use a different
vector width; set :data:`VEC_BYTES`).
"""

from __future__ import annotations

import os

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "torch_sum",
    "CPU_CAPABILITY",
    "VEC_BYTES",
    "NUM_THREADS",
    "GRAIN_SIZE",
    "default_num_threads",
]

#: Capability torch reports here (``torch.backends.cpu.get_cpu_capability()``).
#: Informational.  For ``sum`` every x86 capability uses 32-byte vectors, see
#: the module docstring.
CPU_CAPABILITY = "AVX512"

#: Width in bytes of ``Vectorized<T>`` in the kernel that actually runs.  This
#: is 32 for AVX512 (which falls back to AVX2 for sum_stub), AVX2, and x86
#: DEFAULT.
VEC_BYTES = 32

#: ``at::internal::GRAIN_SIZE``; reductions below it are always single-threaded.
GRAIN_SIZE = 32768


def default_num_threads() -> int:
    """Best guess at torch's default intra-op thread count.

    That count is ``mkl_get_max_threads()``: the ``MKL_NUM_THREADS`` /
    ``OMP_NUM_THREADS`` environment variables if set, otherwise the number
    of physical cores.  If you know the real count, assign
    :data:`NUM_THREADS` directly.
    """
    for var in ("MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        val = os.environ.get(var, "").split(",")[0].strip()
        if val.isdigit() and int(val) > 0:
            return int(val)
    try:
        cores = set()
        phys = core = None
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "physical id":
                    phys = value.strip()
                elif key == "core id":
                    core = value.strip()
                elif not key:
                    if core is not None:
                        cores.add((phys, core))
                    phys = core = None
        if core is not None:
            cores.add((phys, core))
        if cores:
            return len(cores)
    except OSError:
        pass
    return os.cpu_count() or 1


#: torch's intra-op thread count (``torch.get_num_threads()``).  It only
#: matters for inputs with at least GRAIN_SIZE elements.
NUM_THREADS = default_num_threads()

# Sequential sums use ufunc.accumulate (one C call, but it walks the summed
# axis innermost) for narrow batches, and a Python loop of whole-slice adds for
# wide ones; the crossover is around a batch of ~150 elements.
_ACCUMULATE_MAX_BATCH = 128


# ---------------------------------------------------------------------------
# Summation orders.  All reduce along axis 0 (``_seq_axis1``: axis 1) and are
# vectorized over the remaining (batch) axes.
# ---------------------------------------------------------------------------

def _seq0(y: np.ndarray) -> np.ndarray:
    """Strict left-to-right sum along axis 0."""
    n = y.shape[0]
    if n == 0:
        return np.zeros(y.shape[1:], y.dtype)
    if n == 1:
        return y[0].copy()
    if n == 2:
        return y[0] + y[1]
    if y.size <= n * _ACCUMULATE_MAX_BATCH:
        # accumulate computes out[k] = out[k-1] + y[k]: strictly sequential.
        return np.add.accumulate(y, axis=0)[-1]
    acc = y[0] + y[1]
    for k in range(2, n):
        acc += y[k]
    return acc


def _seq_axis1(y: np.ndarray) -> np.ndarray:
    """Strict left-to-right sum along axis 1 (a short axis: 16, 32, ...)."""
    n = y.shape[1]
    if y.size <= n * _ACCUMULATE_MAX_BATCH:
        return np.add.accumulate(y, axis=1)[:, -1]
    acc = y[:, 0] + y[:, 1]
    for k in range(2, n):
        acc += y[:, k]
    return acc


def _ceil_log2(x: int) -> int:
    # at::native::utils::CeilLog2
    if x <= 2:
        return 1
    return (x - 1).bit_length()


def _cascade0(y: np.ndarray) -> np.ndarray:
    """multi_row_sum order along axis 0."""
    n = y.shape[0]
    power = max(4, _ceil_log2(n) // 4)
    step = 1 << power
    nb = n // step
    if nb == 0:
        return _seq0(y)
    rest = y.shape[1:]
    level0 = _seq_axis1(y[: nb * step].reshape((nb, step) + rest))
    result = _seq0(y[nb * step:])            # acc[0]: rows after the last block
    n1 = nb // step
    open1 = _seq0(level0[n1 * step:])        # acc[1]
    result = result + open1
    if n1:
        level1 = _seq_axis1(level0[: n1 * step].reshape((n1, step) + rest))
        n2 = n1 // step
        result = result + _seq0(level1[n2 * step:])   # acc[2]
        if n2:
            level2 = _seq_axis1(level1[: n2 * step].reshape((n2, step) + rest))
            result = result + _seq0(level2)           # acc[3]
    return result


def _rowsum0(y: np.ndarray) -> np.ndarray:
    """row_sum order (ILP factor 4 over multi_row_sum) along axis 0."""
    n = y.shape[0]
    m = n // 4
    if m == 0:
        return _seq0(y)
    part = _cascade0(y[: 4 * m].reshape((m, 4) + y.shape[1:]))   # (4, *rest)
    p0 = part[0]
    for t in range(4 * m, n):
        p0 = p0 + y[t]
    return ((p0 + part[1]) + part[2]) + part[3]


def _vec_inner0(y: np.ndarray, lanes: int) -> np.ndarray:
    """vectorized_inner_sum order along axis 0 (requires n >= lanes)."""
    n = y.shape[0]
    nvec = n // lanes
    lane_sums = _rowsum0(y[: nvec * lanes].reshape((nvec, lanes) + y.shape[1:]))
    tail = y[nvec * lanes:]
    if tail.shape[0] == 0:
        return _seq0(lane_sums)
    return _seq0(np.concatenate([tail, lane_sums], axis=0))


def _row_values(x: np.ndarray, s_i: int, s_j: int, lanes: int) -> np.ndarray:
    """Per-row results of one true-reduction 2-D kernel call.

    ``x`` has shape ``(size0, size1, *batch)`` and is reduced along axis 0.
    ``s_i`` and ``s_j`` are the element strides of iterator dims 0 and 1,
    which decide the kernel path.  Returns an array of shape
    ``(size1, *batch)``.
    """
    n_i, n_j = x.shape[0], x.shape[1]
    if s_i == 1 and n_i >= lanes:                 # vectorized_inner_sum
        return _vec_inner0(x, lanes)
    if s_j == 1 and n_j >= lanes:                 # vectorized_outer_sum
        n_cascade = (n_j // (4 * lanes)) * 4 * lanes
    elif s_i < s_j:                               # scalar_inner_sum
        n_cascade = 0
    else:                                         # scalar_outer_sum
        n_cascade = (n_j // 4) * 4
    if n_cascade == n_j:
        return _cascade0(x)
    if n_cascade == 0:
        return _rowsum0(x)
    out = np.empty(x.shape[1:], x.dtype)
    out[:n_cascade] = _cascade0(x[:, :n_cascade])
    out[n_cascade:] = _rowsum0(x[:, n_cascade:])
    return out


# ---------------------------------------------------------------------------
# TensorIterator emulation
# ---------------------------------------------------------------------------

def _contiguous_strides(shape) -> list:
    strides, acc = [], 1
    for size in reversed(shape):
        strides.append(acc)
        acc *= max(size, 1)
    return strides[::-1]


def _build_iter(shape, out_st, in_st):
    """reorder_dimensions + coalesce_dimensions of a reduction iterator."""
    shape = list(shape)
    ops = [list(out_st), list(in_st)]
    nd = len(shape)
    if nd <= 1:
        return shape, ops[0], ops[1]

    def should_swap(d0, d1):
        for k, st in enumerate(ops):
            s0, s1 = st[d0], st[d1]
            if k == 0 and ((s0 == 0) != (s1 == 0)):   # reduced dims to the front
                return 1 if s1 == 0 else -1
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                return -1
            if s0 > s1:
                return 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(nd - 1, -1, -1))
    for i in range(1, nd):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            c = should_swap(perm[dim0], perm[dim1])
            if c > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif c < 0:
                break
    shape = [shape[p] for p in perm]
    ops = [[st[p] for p in perm] for st in ops]

    prev = 0
    for dim in range(1, nd):
        s0, s1 = shape[prev], shape[dim]
        if s0 == 1 or s1 == 1 or all(s0 * st[prev] == st[dim] for st in ops):
            if shape[prev] == 1:
                for st in ops:
                    st[prev] = st[dim]
            shape[prev] *= shape[dim]
        else:
            prev += 1
            if prev != dim:
                for st in ops:
                    st[prev] = st[dim]
                shape[prev] = shape[dim]
    return shape[: prev + 1], ops[0][: prev + 1], ops[1][: prev + 1]


def _accumulate(vals, out_strides, out_view):
    """``out += seq(contributions)`` for every output element.

    ``vals`` holds the contributions, with axis 0 varying fastest in time.
    ``out_strides`` gives the output stride of each axis; axes with stride 0
    accumulate into one element.  ``out_view`` has the same shape as ``vals``
    and aliases the result array.
    """
    red = [k for k, s in enumerate(out_strides) if s == 0]
    keep = [k for k, s in enumerate(out_strides) if s != 0]
    keep_shape = tuple(vals.shape[k] for k in keep)
    v = vals.transpose(red[::-1] + keep).reshape((-1,) + keep_shape)
    # The trailing Ellipsis keeps a 0-d *view* when every axis is indexed.
    target = out_view[tuple(0 if s == 0 else slice(None) for s in out_strides) + (Ellipsis,)]
    target += _seq0(v)


def _serial(x, out_view, in_st, out_st, lanes):
    """serial_for_each over a whole (possibly narrowed) iterator, batched."""
    o_a, o_b = out_st[0], out_st[1]
    if o_a != 0 and o_b == 0:      # "move reduction to be the 1st dim"
        x = x.swapaxes(0, 1)
        out_view = out_view.swapaxes(0, 1)
        in_st = [in_st[1], in_st[0]] + list(in_st[2:])
        out_st = [out_st[1], out_st[0]] + list(out_st[2:])
        o_a, o_b = o_b, o_a
    if o_a != 0 and o_b != 0:      # not a true reduction: out = out + x
        _accumulate(x, list(out_st), out_view)
        return
    vals = _row_values(x, in_st[0], in_st[1], lanes)
    _accumulate(vals, list(out_st[1:]), out_view[0])


def _range_contributions(x, in_st, lanes, begin, end):
    """Contributions, in order, of serial_for_each over the linear range
    [begin, end) of an iterator whose output strides are all 0."""
    shape = x.shape
    s0, s1 = shape[0], shape[1]
    plane = s0 * s1
    parts = []
    flat_planes = None
    offset = begin
    while offset < end:
        rem, vals = offset, []
        for size in shape:
            vals.append(rem % size)
            rem //= size
        step0 = min(s0 - vals[0], end - offset)
        step1 = 1
        if step0 == s0:
            step1 = min(s1 - vals[1], (end - offset) // s0)
        if vals[0] == 0 and vals[1] == 0 and step1 == s1 and len(shape) > 2:
            # A run of whole (dim0, dim1) planes: batch them.
            nplanes = (end - offset) // plane
            if flat_planes is None:
                flat_planes = np.reshape(x, (s0, s1, -1), order="F")
            p0 = offset // plane
            block = flat_planes[:, :, p0:p0 + nplanes]
            parts.append(_row_values(block, in_st[0], in_st[1], lanes).ravel(order="F"))
            offset += nplanes * plane
            continue
        idx = (slice(vals[0], vals[0] + step0), slice(vals[1], vals[1] + step1)) + tuple(vals[2:])
        parts.append(_row_values(x[idx], in_st[0], in_st[1], lanes))
        offset += step0 * step1
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = []
    for ax in axis:
        ax = int(ax)
        if not -ndim <= ax < max(ndim, 1):
            raise np.exceptions.AxisError(ax, ndim)
        ax %= max(ndim, 1)
        if ax in out:
            raise ValueError("duplicate value in 'axis'")
        out.append(ax)
    return tuple(sorted(out))


def torch_sum(a: np.ndarray, axis: tuple[int, ...] | int | None = None,
              keepdims: bool = False) -> np.ndarray:
    """Sum like PyTorch's CPU sum kernel, same dtype as ``a`` (float32/float64), same bits.

    ``axis=None`` reduces all dims.  An explicit ``axis=()`` reduces nothing,
    as in numpy (``torch.sum(x, dim=())`` would reduce everything).  The
    result is ``torch.from_numpy(a).sum(dim=axis, keepdim=keepdims)`` bit
    for bit.  That holds for inputs under ``GRAIN_SIZE`` elements, and for
    larger ones too when :data:`NUM_THREADS` matches torch's thread count.
    Like torch, the result is never ``-0.0``.  Always returns an ndarray
    (0-d for a full reduction without keepdims).
    """
    a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        # other dtypes (float16, and object arrays of sympy expressions in `gradcli check`)
        # have no bit-level contract here: numpy's order is as good as any
        return np.asarray(np.sum(a, axis=axis, keepdims=keepdims))
    nd = a.ndim
    axes = _normalize_axes(axis, nd)
    keep_shape = tuple(1 if d in axes else a.shape[d] for d in range(nd))
    out_shape = keep_shape if keepdims else tuple(
        a.shape[d] for d in range(nd) if d not in axes)
    dtype = a.dtype
    zero = dtype.type(0)

    if a.size == 0:
        return np.zeros(out_shape, dtype)
    if nd == 0:
        return np.asarray(a + zero, dtype)
    count = 1
    for d in axes:
        count *= a.shape[d]
    if count <= 2:
        # With at most two terms the order cannot matter (+0 clears -0 like torch).
        return np.asarray(np.add.reduce(a, axis=axes, keepdims=keepdims) + zero, dtype)

    itemsize = a.itemsize
    lanes = VEC_BYTES // itemsize
    threads = max(1, int(NUM_THREADS))
    numel = a.size

    canonical = [st * itemsize for st in _contiguous_strides(a.shape)]
    if (list(a.strides) == canonical and axes == tuple(range(nd - len(axes), nd))
            and (count < numel or numel < GRAIN_SIZE or threads == 1)):
        # Fast path: C-contiguous input (with canonical strides even on size-1
        # dims, which take part in torch's dim sort) reduced over a trailing
        # block of axes (this includes full reductions).  The iterator coalesces to
        # (n, M): dim 0 is the contiguous reduced run, dim 1 the M outputs.
        # Every row gets vectorized_inner_sum (n >= V) or scalar_inner_sum,
        # no matter how the threads split dim 1.  A multi-threaded full
        # reduction goes through the general two-pass path instead.
        y = a.reshape(numel // count, count).T
        vals = _vec_inner0(y, lanes) if count >= lanes else _rowsum0(y)
        return np.asarray(vals + zero, dtype).reshape(out_shape)

    if any(s < 0 or s % itemsize for s in a.strides):
        a = np.ascontiguousarray(a)
    in_st = [s // itemsize for s in a.strides]

    # Output: a contiguous tensor of out_shape, viewed with the input's rank
    # (review_reduce_result), then broadcast (stride 0) over reduced dims.
    res = np.zeros(out_shape, dtype)
    res_st = _contiguous_strides(out_shape)
    if keepdims:
        view_st = list(res_st)
    else:
        it = iter(res_st)
        view_st = [0 if d in axes else next(it) for d in range(nd)]
    out_st = [0 if (keep_shape[d] == 1 and a.shape[d] != 1) else view_st[d]
              for d in range(nd)]

    out_numel = res.size

    if numel >= GRAIN_SIZE and threads > 1 and out_numel == 1:
        _two_pass(a, in_st, threads, lanes, res)
        return res

    shape, o_st, i_st = _build_iter(a.shape, out_st, in_st)
    if len(shape) == 1:
        shape, o_st, i_st = shape + [1], o_st + [0], i_st + [0]
    x = as_strided(a, shape=shape, strides=[s * itemsize for s in i_st],
                   writeable=False)
    out_view = as_strided(res, shape=shape, strides=[s * itemsize for s in o_st])

    if numel >= GRAIN_SIZE and threads > 1:
        # parallel_dim_reduction: find_split_dim, then per-thread narrowing.
        ndim = len(shape)
        best = dim = ndim - 1
        split = None
        while dim >= 0 and not (o_st[dim] == 0 and shape[dim] > 1):
            if shape[dim] >= threads:
                split = dim
                break
            if shape[dim] > shape[best]:
                best = dim
            dim -= 1
        split = best if split is None else split
        cols = shape[split]
        if split <= 1 and cols > 1:
            nt = min(threads, cols)
            chunk = -(-cols // nt)
            round_to = 128 // itemsize if i_st[split] == 1 else 1
            for t in range(nt):
                b, e = t * chunk, min(cols, (t + 1) * chunk)
                if b >= cols:
                    break
                b -= b % round_to
                if e != cols:
                    e -= e % round_to
                if b == e:
                    continue
                sl = (slice(None),) * split + (slice(b, e),)
                _serial(x[sl], out_view[sl], i_st, o_st, lanes)
            return res
        # Splitting a dim >= 2 leaves every (dim0, dim1) call unchanged.

    _serial(x, out_view, i_st, o_st, lanes)
    return res


def _two_pass(a, in_st, threads, lanes, res):
    """TensorIterator two_pass_reduction (single output, multi-threaded)."""
    itemsize = a.itemsize
    nd = a.ndim
    # first_reduce writes into buffer[0]: shape (1,)*nd, contiguous strides 1.
    out_st = [0 if a.shape[d] != 1 else 1 for d in range(nd)]
    shape, _, i_st = _build_iter(a.shape, out_st, in_st)
    if len(shape) == 1:
        shape, i_st = shape + [1], i_st + [0]
    x = as_strided(a, shape=shape, strides=[s * itemsize for s in i_st],
                   writeable=False)
    numel = a.size
    buf = np.zeros(threads, a.dtype)
    if numel > GRAIN_SIZE:
        nt = min(threads, -(-numel // GRAIN_SIZE))
    else:
        nt = 1          # parallel_for runs inline on thread 0
    chunk = -(-numel // nt)
    for t in range(nt):
        b, e = t * chunk, min(numel, (t + 1) * chunk)
        if b >= numel:
            break
        buf[t] = _seq0(_range_contributions(x, i_st, lanes, b, e))
    # final_reduce: a 1-D contiguous reduction over the per-thread buffer.
    final = _row_values(buf[:, None], 1, 0, lanes)
    res[...] = res + final.reshape(res.shape)
