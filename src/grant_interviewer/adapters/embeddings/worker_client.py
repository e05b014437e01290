"""The parent side of the embedding worker process (see ``worker.py`` for the protocol).

The worker is started and awaited in the manager's loading thread (blocking there is fine).
Afterwards a reader thread resolves one ``concurrent.futures.Future`` per request; coroutines
await them through ``asyncio.wrap_future`` and write requests in ``asyncio.to_thread``, so the
event loop never blocks on the pipe. When the worker dies, every pending request fails with
``EmbeddingError`` and ``on_lost`` tells the manager (which marks the model failed and retries).
"""

from __future__ import annotations

import asyncio
import base64
import collections
import concurrent.futures
import contextlib
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from grant_interviewer.errors import ConfigurationError, EmbeddingError, MissingExtraError

if TYPE_CHECKING:
    from grant_interviewer.adapters.embeddings.manager import ModelSpec

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 300.0  # importing torch on a cold disk can take a while
STOP_TIMEOUT_SECONDS = 3.0
REQUEST_TIMEOUT_SECONDS = 60.0  # a request unanswered this long (+ per text) means a stuck worker
REQUEST_SECONDS_PER_TEXT = 0.5


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    source_root = str(Path(__file__).resolve().parents[3])  # .../src (works uninstalled too)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH")) if p)
    return env


def unpack(b64: str, rows: int) -> list[list[float]]:
    """Inverse of ``worker.pack``."""
    flat = array("f")
    flat.frombytes(base64.b64decode(b64))
    if sys.byteorder != "little":  # pragma: no cover - big-endian hosts
        flat.byteswap()
    if rows == 0:
        return []
    dim = len(flat) // rows
    return [flat[i * dim : (i + 1) * dim].tolist() for i in range(rows)]


class WorkerEmbedder:
    """``ports.Embedder`` whose model lives in a separate Python process."""

    def __init__(self, proc: subprocess.Popen[str], hello: dict[str, Any],
                 stderr_tail: collections.deque[str], on_lost: Callable[[str], None]) -> None:
        self._proc = proc
        self._model_id = str(hello["model_id"])
        self._dim = int(hello["dim"])
        self._tail = stderr_tail
        self._on_lost = on_lost
        self._pending: dict[int, concurrent.futures.Future[list[list[float]]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closing = False
        self._dead: str | None = None
        self.exited = threading.Event()  # set once the worker has exited and callers were told
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name=f"embedding-worker-reader-{proc.pid}")
        self._reader.start()

    @classmethod
    def start(cls, spec: ModelSpec, on_lost: Callable[[str], None]) -> WorkerEmbedder:
        """Spawn the worker and wait (blocking) until it has loaded the model."""
        payload = json.dumps({"backend": spec.backend, "model": spec.model})
        command = [sys.executable, "-m", "grant_interviewer.adapters.embeddings.worker", payload]
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                env=_child_env(), bufsize=1)
        logger.debug("embedding worker started: pid %s", proc.pid)
        tail: collections.deque[str] = collections.deque(maxlen=20)
        threading.Thread(target=_drain_stderr, args=(proc, tail), daemon=True,
                         name=f"embedding-worker-stderr-{proc.pid}").start()
        watchdog = threading.Timer(START_TIMEOUT_SECONDS, proc.kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
        finally:
            watchdog.cancel()
        hello: dict[str, Any] = {}
        if first:
            try:
                hello = json.loads(first)
            except ValueError:
                hello = {"ok": False, "error": f"unexpected worker output: {first[:200]!r}"}
        if hello.get("ok"):
            return cls(proc, hello, tail, on_lost)
        _stop(proc)
        proc.stdout.close()
        missing = hello.get("missing")
        if missing:
            raise MissingExtraError(str(missing[0]), str(missing[1]))
        reason = hello.get("error") or f"worker exited with code {proc.returncode}"
        if hello.get("fatal"):
            raise ConfigurationError(f"embedding worker cannot load the model: {reason}")
        detail = " | ".join(list(tail)[-3:])
        raise EmbeddingError(f"embedding worker failed to load: {reason}"
                             + (f" (stderr: {detail})" if detail and not hello else ""))

    @property
    def model_id(self) -> str:
        """The model identifier reported by the worker."""
        return self._model_id

    @property
    def dim(self) -> int:
        """The vector size reported by the worker."""
        return self._dim

    @property
    def pid(self) -> int:
        """The worker's process id."""
        return self._proc.pid

    async def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed queries in the worker."""
        return await self._request(list(texts), query=True)

    async def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages in the worker."""
        return await self._request(list(texts), query=False)

    async def _request(self, texts: list[str], *, query: bool) -> list[list[float]]:
        if not texts:
            return []
        future: concurrent.futures.Future[list[list[float]]] = concurrent.futures.Future()
        with self._lock:
            if self._dead is not None or self._closing:
                raise EmbeddingError(self._dead or f"{self._model_id}: worker is closed")
            request_id = next(self._ids)
            self._pending[request_id] = future
        line = json.dumps({"id": request_id, "query": query, "texts": texts},
                          ensure_ascii=False) + "\n"
        try:
            await asyncio.to_thread(self._write, line)
        except BaseException:
            with self._lock:
                self._pending.pop(request_id, None)
            raise
        budget = REQUEST_TIMEOUT_SECONDS + REQUEST_SECONDS_PER_TEXT * len(texts)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), budget)
        except TimeoutError:
            # a worker that does not answer is stuck: kill it, the manager reloads it
            logger.warning("%s: worker %s did not answer within %.0f s; restarting it",
                           self._model_id, self.pid, budget)
            with contextlib.suppress(OSError):
                self._proc.kill()
            raise EmbeddingError(f"{self._model_id}: worker did not answer within "
                                 f"{budget:.0f} s") from None

    def _write(self, line: str) -> None:
        stdin: IO[str] | None = self._proc.stdin
        try:
            with self._write_lock:
                assert stdin is not None
                stdin.write(line)
                stdin.flush()
        except (OSError, ValueError) as exc:
            raise EmbeddingError(f"{self._model_id}: worker is not accepting requests: {exc}"
                                 ) from exc

    def _read_loop(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                logger.warning("embedding worker %s: unexpected output %r", self.pid, line[:200])
                continue
            with self._lock:
                future = self._pending.pop(message.get("id"), None)
            if future is None:
                continue
            try:
                if "error" in message:
                    future.set_exception(EmbeddingError(f"{self._model_id}: {message['error']}"))
                else:
                    future.set_result(unpack(message["b64"], int(message["n"])))
            except concurrent.futures.InvalidStateError:
                pass  # the caller gave up (cancelled) meanwhile
        self._proc.stdout.close()
        with self._write_lock:
            _close_quietly(self._proc.stdin)
        code = self._proc.wait()
        detail = " | ".join(list(self._tail)[-3:])
        reason = f"{self._model_id}: embedding worker exited with code {code}"
        if detail:
            reason += f" (stderr: {detail})"
        with self._lock:
            self._dead = reason
            pending = list(self._pending.values())
            self._pending.clear()
        if not self._closing:
            logger.warning("%s", reason)
            self._on_lost(reason)  # before failing callers: they then see the manager FAILED
        for future in pending:
            if not future.done():
                future.set_exception(EmbeddingError(reason))
        self.exited.set()

    def close(self) -> None:
        """Close the worker's stdin (it exits), then terminate it if it lingers."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
        _stop(self._proc)

    async def aclose(self) -> None:
        """Stop the worker without blocking the loop."""
        await asyncio.to_thread(self.close)


def _drain_stderr(proc: subprocess.Popen[str], tail: collections.deque[str]) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        text = line.rstrip()
        if text:
            tail.append(text[:300])
            logger.debug("embedding worker %s: %s", proc.pid, text)
    proc.stderr.close()


def _close_quietly(stream: IO[str] | None) -> None:
    if stream is None:
        return
    try:
        stream.close()
    except OSError:  # a broken pipe while flushing: the stream is closed anyway
        with contextlib.suppress(OSError):
            stream.close()


def _stop(proc: subprocess.Popen[str]) -> None:
    _close_quietly(proc.stdin)
    try:
        proc.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

