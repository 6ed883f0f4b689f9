"""piece counts → merges, fast: the merge loop of :mod:`hf_bpe.merges` on packed arrays.

Compiled by mypyc (it needs ``librt``, mypyc's runtime library, for its packed vectors;
interpreted it works but is slow, so the trainer only uses it when compiled). It learns
exactly the merges of :func:`hf_bpe.merges.learn_merges`, with every count held in a
64-bit integer and every index in a 32-bit one; :func:`learn_merges` returns None when that
is not safe (beyond exabytes of text or 700 MB of distinct pieces)::

    >>> learn_merges({b"hello": 2, b"hell": 1}, 10)
    [(101, 108), (104, 256), (257, 108), (258, 111)]

Layout: the words sit end to end in one vector of ids; each pair (a, b) gets a dense
number from an open-addressing hash table keyed by ``a << 32 | b``; per pair: its count,
the key, and a linked list (in one shared pool) of the words that hold it; a binary
max-heap of (count, key) entries, refreshed lazily.
"""

from __future__ import annotations

from typing import Callable, Final, Optional

from librt.vecs import append, pop, vec
from mypy_extensions import i32, i64

from .merges import CALL_EVERY

#: Multiplicative hashing: xorshift64*'s odd multiplier. It is below 2 ** 62, which keeps
#: it a C constant: mypyc compiles a larger one as a boxed int, converted on every use.
_MULT: Final = 0x2545F4914F6CDD1D
#: Largest pair count allowed (the counts are 64-bit).
_COUNT_LIMIT: Final = (1 << 62) - 1
#: Most ids (bytes of distinct pieces) allowed: the word-list pool, at most 3 nodes per
#: id, is indexed with 32-bit integers.
_ID_LIMIT: Final = ((1 << 31) - 1) // 3


#: Powers of two. (mypyc compiles ``i64(1) << bits`` to a shift of a 32-bit C ``1``,
#: wrong from bits = 31 on, so the table sizes are looked up instead.)
_POW2: Final = vec[i64]([1 << k for k in range(63)])


def _pow2(bits: i64) -> i64:
    """2 ** bits."""
    return _POW2[bits]


def learn_merges(
    counts: dict[bytes, int],
    num_merges: int,
    progress: Optional[Callable[[int], None]] = None,
) -> Optional[list[tuple[int, int]]]:
    """The first ``num_merges`` merges (fewer if the pairs run out) of the pieces
    ``counts``; None if a count or the pieces are too large for the packed arrays.
    ``progress`` is called as by :func:`hf_bpe.merges.learn_merges`.

        >>> learn_merges({b"hello": 2**62}, 10) is None
        True
    """
    sym = vec[i32]()
    wstart = vec[i64]()
    wlen = vec[i32]()
    wcount = vec[i64]()
    total = 0
    for data, count in counts.items():
        n = len(data)
        if n < 2 or count <= 0:
            continue
        total += count * (n - 1)
        if total > _COUNT_LIMIT or len(sym) + n > _ID_LIMIT:
            return None
        wstart = append(wstart, i64(len(sym)))
        wlen = append(wlen, i32(n))
        wcount = append(wcount, i64(count))
        for x in data:
            sym = append(sym, i32(x))
        if progress is not None and len(wlen) % CALL_EVERY == 0:
            progress(0)
    return MergeState(sym, wstart, wlen, wcount).run(num_merges, progress)


class MergeState:
    """All of the merge loop's data, in packed vectors."""

    def __init__(self, sym: vec[i32], wstart: vec[i64], wlen: vec[i32], wcount: vec[i64]) -> None:
        self.sym: vec[i32] = sym
        self.wstart: vec[i64] = wstart
        self.wlen: vec[i32] = wlen
        self.wcount: vec[i64] = wcount
        n_ids = i64(len(sym))
        n_words = i64(len(wlen))
        # Hash table: key -> pair number (-1 marks an empty slot).
        bits: i64 = 16
        while (_pow2(bits)) < 4 * n_words and bits < 40:
            bits += 1
        self.tbits: i64 = bits
        self.tkeys: vec[i64] = _filled64(_pow2(bits), -1)
        self.tvals: vec[i32] = _filled32(_pow2(bits), -1)
        self.tused: i64 = 0
        # Per pair.
        self.pkey: vec[i64] = vec[i64]()
        self.pcount: vec[i64] = vec[i64]()
        self.plast: vec[i32] = vec[i32]()
        self.phead: vec[i32] = vec[i32]()
        self.ptail: vec[i32] = vec[i32]()
        # Pool of word-list nodes.
        self.nword: vec[i32] = vec[i32](capacity=n_ids)
        self.nnext: vec[i32] = vec[i32](capacity=n_ids)
        # Heap of (count, key), best first.
        self.hcount: vec[i64] = vec[i64]()
        self.hkey: vec[i64] = vec[i64]()
        # Pairs created during the current merge.
        self.created: vec[i32] = vec[i32]()

    # ---- hash table -------------------------------------------------------------------

    def find(self, key: i64) -> i64:
        """The number of pair ``key``, or -1."""
        mask = (_pow2(self.tbits)) - 1
        h = key * _MULT
        i = (h ^ (h >> 29)) & mask
        tkeys = self.tkeys
        while True:
            k = tkeys[i]
            if k == key:
                return i64(self.tvals[i])
            if k == -1:
                return -1
            i = (i + 1) & mask

    def find_or_add(self, key: i64) -> i64:
        """The number of pair ``key``, creating the pair (count 0) if needed."""
        mask = (_pow2(self.tbits)) - 1
        h = key * _MULT
        i = (h ^ (h >> 29)) & mask
        tkeys = self.tkeys
        while True:
            k = tkeys[i]
            if k == key:
                return i64(self.tvals[i])
            if k == -1:
                break
            i = (i + 1) & mask
        p = i64(len(self.pkey))
        tkeys[i] = key
        self.tvals[i] = i32(p)
        self.pkey = append(self.pkey, key)
        self.pcount = append(self.pcount, 0)
        self.plast = append(self.plast, -1)
        self.phead = append(self.phead, -1)
        self.ptail = append(self.ptail, -1)
        self.created = append(self.created, i32(p))
        self.tused += 1
        if 2 * self.tused > (_pow2(self.tbits)):
            self.grow()
        return p

    def grow(self) -> None:
        bits = self.tbits + 1
        mask = (_pow2(bits)) - 1
        tkeys = _filled64(_pow2(bits), -1)
        tvals = _filled32(_pow2(bits), -1)
        old_keys = self.tkeys
        old_vals = self.tvals
        for j in range(len(old_keys)):
            key = old_keys[j]
            if key == -1:
                continue
            h = key * _MULT
            i = (h ^ (h >> 29)) & mask
            while tkeys[i] != -1:
                i = (i + 1) & mask
            tkeys[i] = key
            tvals[i] = old_vals[j]
        self.tkeys = tkeys
        self.tvals = tvals
        self.tbits = bits

    def add_word(self, p: i64, w: i64) -> None:
        """Put word ``w`` on pair ``p``'s list (once in a row)."""
        if i64(self.plast[p]) == w:
            return
        self.plast[p] = i32(w)
        node = i32(len(self.nword))
        self.nword = append(self.nword, i32(w))
        self.nnext = append(self.nnext, -1)
        tail = i64(self.ptail[p])
        if tail < 0:
            self.phead[p] = node
        else:
            self.nnext[tail] = node
        self.ptail[p] = node

    # ---- heap ---------------------------------------------------------------------------

    def push(self, count: i64, key: i64) -> None:
        self.hcount = append(self.hcount, count)
        self.hkey = append(self.hkey, key)
        hcount = self.hcount
        hkey = self.hkey
        i = i64(len(hcount)) - 1
        while i > 0:
            parent = (i - 1) >> 1
            pc = hcount[parent]
            pk = hkey[parent]
            if pc > count or (pc == count and pk < key):
                break
            hcount[i] = pc
            hkey[i] = pk
            i = parent
        hcount[i] = count
        hkey[i] = key

    def pop_top(self) -> None:
        """Remove the best entry (read it first from hcount[0], hkey[0])."""
        self.hcount, count = pop(self.hcount)
        self.hkey, key = pop(self.hkey)
        n = i64(len(self.hcount))
        if n == 0:
            return
        self.sift_down(0, count, key)

    def sift_down(self, start: i64, count: i64, key: i64) -> None:
        hcount = self.hcount
        hkey = self.hkey
        n = i64(len(hcount))
        i = start
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            cc = hcount[child]
            ck = hkey[child]
            right = child + 1
            if right < n:
                rc = hcount[right]
                rk = hkey[right]
                if rc > cc or (rc == cc and rk < ck):
                    child = right
                    cc = rc
                    ck = rk
            if count > cc or (count == cc and key < ck):
                break
            hcount[i] = cc
            hkey[i] = ck
            i = child
        hcount[i] = count
        hkey[i] = key

    def heapify(self) -> None:
        n = i64(len(self.hcount))
        i = n // 2 - 1
        while i >= 0:
            self.sift_down(i, self.hcount[i], self.hkey[i])
            i -= 1

    # ---- merging ------------------------------------------------------------------------

    def count_pairs(self, progress: Optional[Callable[[int], None]]) -> None:
        sym = self.sym
        for w in range(len(self.wlen)):
            if progress is not None and w % CALL_EVERY == 0:
                progress(0)
            start = self.wstart[w]
            n = i64(self.wlen[w])
            c = self.wcount[w]
            prev = i64(sym[start])
            for i in range(start + 1, start + n):
                cur = i64(sym[i])
                p = self.find_or_add((prev << 32) | cur)
                prev = cur
                self.pcount[p] += c
                self.add_word(p, w)
        self.created = vec[i32]()
        pcount = self.pcount
        pkey = self.pkey
        hcount = vec[i64](capacity=len(pcount))
        hkey = vec[i64](capacity=len(pcount))
        for p in range(len(pcount)):
            if pcount[p] > 0:
                hcount = append(hcount, pcount[p])
                hkey = append(hkey, pkey[p])
        self.hcount = hcount
        self.hkey = hkey
        self.heapify()

    def run(
        self, num_merges: int, progress: Optional[Callable[[int], None]]
    ) -> list[tuple[int, int]]:
        self.count_pairs(progress)
        merges: list[tuple[int, int]] = []
        done: i64 = 0
        goal = i64(num_merges)
        while done < goal and len(self.hcount) > 0:
            count = self.hcount[0]
            key = self.hkey[0]
            p = self.find(key)
            current = self.pcount[p]
            if count != current:
                if current > 0:
                    # Refresh in place: replace the top and sift it down.
                    self.sift_down(0, current, key)
                else:
                    self.pop_top()
                continue
            self.pop_top()
            a = key >> 32
            b = key & 0xFFFFFFFF
            new_id = 256 + done
            merges.append((int(a), int(b)))
            self.created = vec[i32]()
            node = i64(self.phead[p])
            while node >= 0:
                self.merge_word(i64(self.nword[node]), a, b, new_id)
                node = i64(self.nnext[node])
            self.pcount[p] = 0
            created = self.created
            for j in range(len(created)):
                q = i64(created[j])
                c = self.pcount[q]
                if c > 0:
                    self.push(c, self.pkey[q])
            done += 1
            if progress is not None:
                progress(int(done))
        return merges

    def merge_word(self, w: i64, a: i64, b: i64, new_id: i64) -> None:
        """Merge (a, b) left to right in word ``w``, moving pair counts by ± its count."""
        sym = self.sym
        start = self.wstart[w]
        end = start + i64(self.wlen[w])
        i = start
        while i < end - 1:
            if i64(sym[i]) == a and i64(sym[i + 1]) == b:
                break
            i += 1
        if i >= end - 1:
            return
        c = self.wcount[w]
        j = i
        while i < end:
            x = i64(sym[i])
            if x == a and i + 1 < end and i64(sym[i + 1]) == b:
                if j > start:
                    left = i64(sym[j - 1])
                    old = self.find((left << 32) | a)
                    self.pcount[old] -= c
                    p = self.find_or_add((left << 32) | new_id)
                    self.pcount[p] += c
                    self.add_word(p, w)
                if i + 2 < end:
                    right = i64(sym[i + 2])
                    old = self.find((b << 32) | right)
                    self.pcount[old] -= c
                    p = self.find_or_add((new_id << 32) | right)
                    self.pcount[p] += c
                    self.add_word(p, w)
                sym[j] = i32(new_id)
                i += 2
            else:
                sym[j] = i32(x)
                i += 1
            j += 1
        self.wlen[w] = i32(j - start)


def _filled64(n: i64, value: i64) -> vec[i64]:
    v = vec[i64](capacity=n)
    for _ in range(n):
        v = append(v, value)
    return v


def _filled32(n: i64, value: i32) -> vec[i32]:
    v = vec[i32](capacity=n)
    for _ in range(n):
        v = append(v, value)
    return v
