"""The orders ``torch.sort`` and ``torch.topk`` give equal values: libstdc++'s algorithms.

PyTorch 2.13's CPU sort (``aten/src/ATen/native/cpu/SortingKernel.cpp``) runs ``std::sort``
on (value, index) pairs, or ``std::stable_sort`` when asked to be stable; topk
(``TopKImpl.h``) runs ``std::partial_sort`` when ``64 * k <= n``, else ``std::nth_element``
and ``std::sort`` of the first ``k - 1``.  Their comparators put NaN above every number.
Neither std::sort nor nth_element is stable, so which of two equal values comes first is
these algorithms' choice.  They are reproduced here step for step as libstdc++ (GCC 13)
performs them: introsort (median-of-three quicksort, a heapsort past its depth limit, then
insertion sort with a threshold of 16), introselect, and the binary-heap selection of
partial_sort; tests/test_tutorial_ops.py checks the orders against torch.

The pairs are Python lists ``[key, index]`` (keys as Python floats or ints); ``less`` is the
comparator, called on two pairs.  Pure Python: callers take numpy's stable sort where no two
keys are equal, which gives the same order.
"""

from __future__ import annotations

import numpy as np

_THRESHOLD = 16  # std::sort's _S_threshold


def ascending(a, b) -> bool:
    """KeyValueCompAsc: NaN last."""
    return (a[0] == a[0] and b[0] != b[0]) or a[0] < b[0]


def descending(a, b) -> bool:
    """KeyValueCompDesc: NaN first."""
    return (a[0] != a[0] and b[0] == b[0]) or a[0] > b[0]


def _lg(n: int) -> int:
    return n.bit_length() - 1


def sort(items: list, less) -> None:
    """std::sort, in place."""
    if len(items) > 1:
        _introsort_loop(items, 0, len(items), _lg(len(items)) * 2, less)
        _final_insertion_sort(items, 0, len(items), less)


def nth_element(items: list, nth: int, less) -> None:
    """std::nth_element, in place."""
    if nth >= len(items):
        return
    first, last, depth = 0, len(items), _lg(len(items)) * 2
    while last - first > 3:
        if depth == 0:
            _heap_select(items, first, nth + 1, last, less)
            items[first], items[nth] = items[nth], items[first]
            return
        depth -= 1
        cut = _unguarded_partition_pivot(items, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(items, first, last, less)


def partial_sort(items: list, middle: int, less) -> None:
    """std::partial_sort of ``items[:middle]``, in place."""
    _heap_select(items, 0, middle, len(items), less)
    _sort_heap(items, 0, middle, less)


def sort_range(items: list, first: int, last: int, less) -> None:
    """std::sort of ``items[first:last]``, in place."""
    if last - first > 1:
        _introsort_loop(items, first, last, _lg(last - first) * 2, less)
        _final_insertion_sort(items, first, last, less)


def _introsort_loop(items, first, last, depth, less):
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_select(items, first, last, last, less)
            _sort_heap(items, first, last, less)
            return
        depth -= 1
        cut = _unguarded_partition_pivot(items, first, last, less)
        _introsort_loop(items, cut, last, depth, less)
        last = cut


def _final_insertion_sort(items, first, last, less):
    if last - first > _THRESHOLD:
        _insertion_sort(items, first, first + _THRESHOLD, less)
        for i in range(first + _THRESHOLD, last):
            _unguarded_linear_insert(items, i, less)
    else:
        _insertion_sort(items, first, last, less)


def _insertion_sort(items, first, last, less):
    for i in range(first + 1, last):
        if less(items[i], items[first]):
            items[first:i + 1] = [items[i]] + items[first:i]
        else:
            _unguarded_linear_insert(items, i, less)


def _unguarded_linear_insert(items, last, less):
    value = items[last]
    previous = last - 1
    while less(value, items[previous]):
        items[last] = items[previous]
        last, previous = previous, previous - 1
    items[last] = value


def _move_median_to_first(items, result, a, b, c, less):
    if less(items[a], items[b]):
        if less(items[b], items[c]):
            pick = b
        elif less(items[a], items[c]):
            pick = c
        else:
            pick = a
    elif less(items[a], items[c]):
        pick = a
    elif less(items[b], items[c]):
        pick = c
    else:
        pick = b
    items[result], items[pick] = items[pick], items[result]


def _unguarded_partition(items, first, last, pivot, less):
    while True:
        while less(items[first], items[pivot]):
            first += 1
        last -= 1
        while less(items[pivot], items[last]):
            last -= 1
        if not first < last:
            return first
        items[first], items[last] = items[last], items[first]
        first += 1


def _unguarded_partition_pivot(items, first, last, less):
    middle = first + (last - first) // 2
    _move_median_to_first(items, first, first + 1, middle, last - 1, less)
    return _unguarded_partition(items, first + 1, last, first, less)


# ----- Heaps (bits/stl_heap.h), on items[first:first + length] -----

def _heap_select(items, first, middle, last, less):
    _make_heap(items, first, middle, less)
    for i in range(middle, last):
        if less(items[i], items[first]):
            value = items[i]
            items[i] = items[first]
            _adjust_heap(items, first, 0, middle - first, value, less)


def _sort_heap(items, first, last, less):
    while last - first > 1:
        last -= 1
        value = items[last]
        items[last] = items[first]
        _adjust_heap(items, first, 0, last - first, value, less)


def _make_heap(items, first, last, less):
    length = last - first
    if length < 2:
        return
    for parent in range((length - 2) // 2, -1, -1):
        _adjust_heap(items, first, parent, length, items[first + parent], less)


def _adjust_heap(items, first, hole, length, value, less):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(items[first + child], items[first + child - 1]):
            child -= 1
        items[first + hole] = items[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        items[first + hole] = items[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(items[first + parent], value):
        items[first + hole] = items[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    items[first + hole] = value


def has_ties(keys: np.ndarray) -> bool:
    """Whether two keys compare equal (NaNs tie with each other, -0.0 with 0.0)."""
    ordered = np.sort(keys)  # NaNs last
    if ordered.dtype.kind == "f" and np.count_nonzero(np.isnan(ordered)) > 1:
        return True
    return bool(np.any(ordered[1:] == ordered[:-1]))
