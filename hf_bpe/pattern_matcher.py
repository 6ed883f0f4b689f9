"""UTF-8 bytes → piece boundaries for split patterns that have no hand-written scanner.

Compiled by mypyc. :mod:`hf_bpe.pattern_program` turns a pattern of the common subset
(literals, classes of tiktoken's Unicode categories, alternation, greedy and possessive
quantifiers, lookahead, ``$``) into a :class:`Program`; :func:`match_into` runs it over a
text's UTF-8 bytes by backtracking, as tiktoken's engine and ``regex`` do, and hands each
piece to a :class:`~hf_bpe.scanners.Sink` as a byte span, like the scanners::

    >>> from hf_bpe.pattern_program import program_for
    >>> from hf_bpe.scanners import EndsSink
    >>> data = "Hello, world 42!".encode()
    >>> ends: list[int] = []
    >>> match_into(program_for(r"\\p{L}+|\\p{N}+|\\s+(?!\\S)|\\s|[^\\s\\p{L}\\p{N}]+"), data, EndsSink(ends))
    >>> [data[a:b].decode() for a, b in zip([0] + ends, ends)]
    ['Hello', ',', ' ', 'world', ' ', '42', '!']

Each character is classified once per visit by a two-level table of *kinds* made for the
pattern (code points the pattern cannot tell apart share a kind); ``masks[kind]`` holds
one bit per character class of the program. Positions are byte offsets: stepping back
over a character skips its continuation bytes.
"""

from __future__ import annotations

from typing import Final

from librt.vecs import append, vec
from mypy_extensions import i64

from .scanners import Sink

# Instructions: an opcode and its operands, one vec slot each.
#: CLASS a: one character of class a.
CLASS: Final = 1
#: REPEAT a lo hi possessive: lo to hi (-1: any number) characters of class a, greedy.
REPEAT: Final = 2
#: SPLIT x y: go on at x; if that fails, at y.
SPLIT: Final = 3
#: JUMP x.
JUMP: Final = 4
#: ATOMIC sub next: the first match of the sub-program at sub (no backtracking into it).
ATOMIC: Final = 5
#: LOOK sub next negative: the sub-program matches here (negative: does not); zero width.
LOOK: Final = 6
#: NOT_AHEAD a: the next character is not of class a (or the text ends): ``(?!\\S)``.
NOT_AHEAD: Final = 7
#: END: the end of the text (``$``).
END: Final = 8
#: MATCH: the branch (or sub-program) matched.
MATCH: Final = 9
#: SPLIT_IF x y a: as SPLIT, but straight to y unless the next character is of class a
#: (the classes that x, which must consume one, can begin with).
SPLIT_IF: Final = 10


class Program:
    """A compiled split pattern (built by :func:`hf_bpe.pattern_program.program_for`).

    ``code`` holds the instructions; ``branches`` the start of each alternative of the
    pattern's top level, and ``firsts[kind]`` one bit per alternative that can begin with a
    character of that kind. ``index`` and ``rows`` map a code point to its kind (two bytes
    of ``index`` per block of 256 code points give the block's row of ``rows``), ``ascii``
    the ASCII characters' kinds directly; ``masks[kind]`` has bit ``a`` set when the kind
    is in class ``a``.
    """

    def __init__(
        self,
        code: list[int],
        branches: list[int],
        firsts: list[int],
        masks: list[int],
        index: bytes,
        rows: bytes,
    ) -> None:
        self.code: Final[vec[i64]] = vec[i64](code)
        self.branches: Final[vec[i64]] = vec[i64](branches)
        self.firsts: Final[vec[i64]] = vec[i64](firsts)
        self.masks: Final[vec[i64]] = vec[i64](masks)
        self.index: Final[bytes] = index
        self.rows: Final[bytes] = rows
        self.ascii: Final[bytes] = bytes(rows[(index[0] | (index[1] << 8)) << 8 :][:128])
        #: ``masks`` of each ASCII character's kind.
        self.ascii_masks: Final[vec[i64]] = vec[i64]([masks[k] for k in self.ascii])


def _kind(program: Program, data: bytes, i: i64) -> i64:
    """Kind * 8 + UTF-8 width of the character at byte ``i`` (valid UTF-8 assumed)."""
    b: i64 = data[i]
    if b < 0x80:
        return (program.ascii[b] << 3) | 1
    point: i64
    width: i64
    b1: i64 = data[i + 1] & 0x3F
    if b < 0xE0:
        point = ((b & 0x1F) << 6) | b1
        width = 2
    elif b < 0xF0:
        b2: i64 = data[i + 2] & 0x3F
        point = ((b & 0x0F) << 12) | (b1 << 6) | b2
        width = 3
    else:
        c2: i64 = data[i + 2] & 0x3F
        c3: i64 = data[i + 3] & 0x3F
        point = ((b & 0x07) << 18) | (b1 << 12) | (c2 << 6) | c3
        width = 4
    index = program.index
    block: i64 = point >> 8
    row: i64 = index[2 * block] | (index[2 * block + 1] << 8)
    kind: i64 = program.rows[(row << 8) | (point & 0xFF)]
    return (kind << 3) | width


class _Stack:
    """Backtracking entries, three slots each: where to go on, the position, and for a
    greedy repeat the position it may not give back (else -1)."""

    def __init__(self) -> None:
        self.items: vec[i64] = vec[i64]([0] * 96)


def _push(stack: _Stack, top: i64, pc: i64, pos: i64, floor: i64) -> i64:
    items = stack.items
    if top + 3 > len(items):
        items = append(items, 0)
        items = append(items, 0)
        items = append(items, 0)
        stack.items = items
    items[top] = pc
    items[top + 1] = pos
    items[top + 2] = floor
    return top + 3


def _run(program: Program, data: bytes, pc: i64, pos: i64, stack: _Stack, base: i64) -> i64:
    """Where the first match of the code at ``pc`` from byte ``pos`` ends, or -1.
    Backtracking entries go above ``base`` on ``stack`` and are gone on return."""
    code = program.code
    masks = program.masks
    ascii_masks = program.ascii_masks
    n: i64 = len(data)
    top: i64 = base
    while True:
        op: i64 = code[pc]
        if op == REPEAT:
            bit: i64 = code[pc + 1]
            lo: i64 = code[pc + 2]
            hi: i64 = code[pc + 3]
            count: i64 = 0
            floor: i64 = pos
            while pos < n and count != hi:
                b: i64 = data[pos]
                if b < 0x80:
                    if not (ascii_masks[b] >> bit) & 1:
                        break
                    pos += 1
                else:
                    w: i64 = _kind(program, data, pos)
                    if not (masks[w >> 3] >> bit) & 1:
                        break
                    pos += w & 7
                count += 1
                if count == lo:
                    floor = pos
            if count >= lo:
                if code[pc + 4] == 0 and pos > floor:
                    top = _push(stack, top, pc + 5, pos, floor)
                pc += 5
                continue
        elif op == CLASS:
            if pos < n:
                c: i64 = data[pos]
                if c < 0x80:
                    if (ascii_masks[c] >> code[pc + 1]) & 1:
                        pos += 1
                        pc += 2
                        continue
                else:
                    v: i64 = _kind(program, data, pos)
                    if (masks[v >> 3] >> code[pc + 1]) & 1:
                        pos += v & 7
                        pc += 2
                        continue
        elif op == MATCH:
            return pos
        elif op == SPLIT_IF:
            if pos < n and (masks[_kind(program, data, pos) >> 3] >> code[pc + 3]) & 1:
                top = _push(stack, top, code[pc + 2], pos, -1)
                pc = code[pc + 1]
            else:
                pc = code[pc + 2]
            continue
        elif op == SPLIT:
            top = _push(stack, top, code[pc + 2], pos, -1)
            pc = code[pc + 1]
            continue
        elif op == JUMP:
            pc = code[pc + 1]
            continue
        elif op == NOT_AHEAD:
            if pos == n or not (masks[_kind(program, data, pos) >> 3] >> code[pc + 1]) & 1:
                pc += 2
                continue
        elif op == END:
            if pos == n:
                pc += 1
                continue
        elif op == ATOMIC:
            end: i64 = _run(program, data, code[pc + 1], pos, stack, top)
            if end >= 0:
                pos = end
                pc = code[pc + 2]
                continue
        elif op == LOOK:
            found = _run(program, data, code[pc + 1], pos, stack, top) >= 0
            if found != (code[pc + 3] != 0):
                pc = code[pc + 2]
                continue
        else:
            raise ValueError(f"bad instruction {op} at {pc}")
        # Failed: back to the latest choice.
        if top == base:
            return -1
        top -= 3
        items = stack.items
        pc = items[top]
        pos = items[top + 1]
        floor = items[top + 2]
        if floor >= 0:  # a greedy repeat gives back one character
            pos -= 1
            while (data[pos] & 0xC0) == 0x80:
                pos -= 1
            if pos > floor:
                top += 3
                items[top - 2] = pos


def match_into(program: Program, data: bytes, sink: Sink) -> None:
    """Call ``sink.piece(data, start, end)`` for each match of ``program`` in ``data``
    (valid UTF-8), in order. A character where no alternative matches is in no piece.
    The program never matches the empty string (:mod:`hf_bpe.pattern_program` refuses
    such patterns)."""
    n: i64 = len(data)
    stack = _Stack()
    branches = program.branches
    firsts = program.firsts
    count: i64 = len(branches)
    pos: i64 = 0
    while pos < n:
        v: i64 = _kind(program, data, pos)
        candidates: i64 = firsts[v >> 3]
        end: i64 = -1
        k: i64 = 0
        while candidates != 0 and k < count:
            if (candidates >> k) & 1:
                end = _run(program, data, branches[k], pos, stack, 0)
                if end >= 0:
                    break
            k += 1
        if end > pos:
            sink.piece(data, pos, end)
            pos = end
        else:
            pos += v & 7
