"""The framing of W&B's ``run-<id>.wandb`` file: a LevelDB-style log of protobuf records.

A 7-byte header (``:W&B``, the 16-bit magic 0xBEE1, version 0), then 32 KiB blocks of chunks.
Each chunk has a 7-byte header: CRC32 of its type byte and data, a 16-bit length, and a type
(FULL=1, or FIRST=2 / MIDDLE=3 / LAST=4 for a record split across blocks). A block's tail
shorter than a chunk header is padding. Block offsets count from the start of the file.

A run that crashed, or is still running, can end inside a chunk or between the chunks of one
record: :func:`payloads` yields every complete record and reports where reading stopped.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK = 32 * 1024  # the LevelDB log format W&B writes: records in blocks of 32 KiB ...
CHUNK_HEADER = 7  # ... each chunk behind a 7-byte header (CRC, length, type)
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_CHUNK = struct.Struct("<IHB")


@dataclass(frozen=True)
class Stop:
    """Where and why reading stopped before the end of the file."""

    offset: int
    size: int
    reason: str
    resume: int = -1  # where a later read of the grown file starts: the first unfinished record


def payloads(data: bytes, base: int = 0) -> tuple[list[bytes], Stop | None]:
    """The complete record payloads of a ``.wandb`` file's bytes, and where reading stopped
    early (None when the file ended cleanly). ``data`` may be the file from byte ``base`` on
    (a record boundary where an earlier read stopped); offsets stay the file's."""
    if base == 0:
        if data[:4] != HEADER[:4]:
            raise ValueError("not a W&B run file (it does not start with ':W&B')")
        if data[4:CHUNK_HEADER] != HEADER[4:]:
            raise ValueError(f"unsupported W&B file version (header bytes {data[4:7].hex()})")
    records: list[bytes] = []
    pending: list[bytes] | None = None
    pending_start = 0

    def stop(reason: str) -> tuple[list[bytes], Stop]:
        resume = pending_start if pending is not None else position
        return records, Stop(position, size, reason, resume)

    position, size = max(base, CHUNK_HEADER), base + len(data)
    while position < size:
        room = BLOCK - position % BLOCK
        if room < CHUNK_HEADER:  # block padding
            position += room
            continue
        if size - position < CHUNK_HEADER:
            return stop("the file ends inside a chunk header")
        checksum, length, kind = _CHUNK.unpack_from(data, position - base)
        start = position + CHUNK_HEADER
        end = start + length
        if kind == 0 and length == 0 and checksum == 0:  # zero-filled tail
            return stop("the rest of the file is zeros")
        if end > size:
            return stop("the file ends inside a record")
        if length > room - CHUNK_HEADER:
            return stop("a chunk runs past its block (corrupt length)")
        chunk = data[start - base:end - base]
        if zlib.crc32(chunk, zlib.crc32(bytes((kind,)))) != checksum:
            return stop("a chunk fails its checksum")
        if kind == FULL:
            records.append(chunk)
        elif kind == FIRST:
            pending, pending_start = [chunk], position
        elif kind in (MIDDLE, LAST) and pending is not None:
            pending.append(chunk)
            if kind == LAST:
                records.append(b"".join(pending))
                pending = None
        else:
            return stop(f"an unexpected chunk type {kind}")
        position = end
    if pending is not None:
        return records, Stop(pending_start, size, "the file ends between the parts of a record",
                            pending_start)
    return records, None
