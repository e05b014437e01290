"""The embedding worker process: ``python -m grant_interviewer.adapters.embeddings.worker SPEC``.

``SPEC`` is a JSON object ``{"backend", "model"}`` (never a secret). The protocol is JSON lines:

* worker → parent, first line: ``{"ok": true, "dim": 384, "model_id": "..."}`` or
  ``{"ok": false, "error": "...", "missing": [package, extra] | null, "fatal": bool}``;
* parent → worker: ``{"id": 7, "query": true, "texts": ["..."]}``;
* worker → parent: ``{"id": 7, "n": 1, "b64": "<float32 little-endian, row-major>"}`` or
  ``{"id": 7, "error": "..."}``.

The worker exits when its stdin closes (the parent closed it or died). Anything a library prints
to stdout is redirected to stderr so it cannot corrupt the protocol.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
from array import array
from typing import IO, Any

from grant_interviewer.errors import ConfigurationError, MissingExtraError

logger = logging.getLogger(__name__)


def _send(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message, ensure_ascii=False) + "\n")
    out.flush()


def pack(vectors: list[list[float]]) -> str:
    """Vectors as base64 of row-major float32 (compact and fast to decode with ``array``)."""
    flat = array("f", [x for row in vectors for x in row])
    if sys.byteorder != "little":  # pragma: no cover - big-endian hosts
        flat.byteswap()
    return base64.b64encode(flat.tobytes()).decode("ascii")


def serve(spec_json: str, stdin: IO[str], out: IO[str]) -> int:
    """Load the model described by ``spec_json`` and answer requests until stdin closes."""
    from grant_interviewer.adapters.embeddings.loading import load_encoder
    from grant_interviewer.adapters.embeddings.manager import ModelSpec

    raw = json.loads(spec_json)
    spec = ModelSpec(backend=raw["backend"], model=raw.get("model", ""), isolation="thread")
    try:
        encoder = load_encoder(spec)
    except Exception as exc:
        missing = [exc.package, exc.extra] if isinstance(exc, MissingExtraError) else None
        _send(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}", "missing": missing,
                    "fatal": isinstance(exc, ConfigurationError)})
        return 1
    _send(out, {"ok": True, "dim": encoder.dim, "model_id": encoder.model_id})
    for line in stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request["id"]
            vectors = encoder.encode(list(request["texts"]), query=bool(request["query"]))
            _send(out, {"id": request_id, "n": len(vectors), "b64": pack(vectors)})
        except Exception as exc:  # report and keep serving
            _send(out, {"id": request_id, "error": f"{type(exc).__name__}: {exc}"})
    encoder.close()
    return 0


def main(argv: list[str]) -> int:
    """Entry point: keep a private copy of stdout for the protocol, send fd 1 to stderr."""
    if len(argv) != 2:
        print("usage: python -m grant_interviewer.adapters.embeddings.worker SPEC_JSON",
              file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    stdin = open(sys.stdin.fileno(), encoding="utf-8", closefd=False)  # noqa: SIM115
    with protocol:
        return serve(argv[1], stdin, protocol)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
