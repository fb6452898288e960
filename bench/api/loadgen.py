"""A bounded loopback load generator: N POSTs of one body at a fixed concurrency.

Each client holds one keep-alive HTTP/1.1 connection and sends the next request when the last
answer is read, so the concurrency is exact. It stops after ``count`` requests or ``seconds``,
whichever comes first. Raw asyncio streams, not an HTTP library, so the client costs both
servers the same little CPU on a shared machine. A response is an error unless its status is 200
and its body has no top-level ``"errors":`` key (inside JSON strings quotes are escaped, so that
byte sequence can only be a key).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

ERRORS_KEY = b'"errors":'


@dataclass
class Batch:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    chunks = []
    while True:  # chunked transfer encoding
        size = int((await reader.readline()).strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return status, b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readline()


def _request(host: str, port: int, path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def run_batch(
    host: str, port: int, path: str, body: bytes, count: int, concurrency: int, seconds: float
) -> Batch:
    batch = Batch()
    request = _request(host, port, path, body)
    remaining = [count]
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while remaining[0] > 0 and time.perf_counter() < deadline:
                remaining[0] -= 1
                began = time.perf_counter()
                try:
                    writer.write(request)
                    status, payload = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    batch.errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                batch.latencies.append(time.perf_counter() - began)
                if status != 200 or ERRORS_KEY in payload:
                    batch.errors += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    batch.wall = time.perf_counter() - began
    return batch
