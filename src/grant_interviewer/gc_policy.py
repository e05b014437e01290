"""The cyclic garbage collector in a serving process: fewer collections, none over start-up data.

Measured with ``bench/load.py`` (200 answers at the same moment, default configuration, five
bursts in one process): with CPython's thresholds (700, 10, 10) the collector ran ~450 young,
~40 middle and 4 full collections, 0.69 s of the 4.6 s — 15 %. A full collection walks every
object the process holds — the packs, the morphology's tables, the knowledge base, the
interviews' snapshots — ~100 ms a time, during which no interview moves. A turn allocates a few
thousand short-lived objects that reference counting frees; cycles among them are rare.

So a serving process (:func:`tune`, from ``bootstrap.build_app``) collects its youngest
generation after 20,000 net allocations instead of 700, and the older ones accordingly less
often; and once the background loads have finished (:func:`freeze_loaded`: the model, the
knowledge base, the analyzer's warm-up) what exists then — objects that live as long as the
process — is moved to the permanent generation (``gc.freeze``), which collections skip.
Measured the same way: 0.12 s of collection in the five bursts instead of 0.69 s.

A host application that set its own thresholds keeps them: :func:`tune` changes only
CPython's defaults.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)

CPYTHON_THRESHOLDS = (700, 10, 10)
SERVICE_THRESHOLDS = (20_000, 20, 20)


def tune() -> None:
    """Use :data:`SERVICE_THRESHOLDS` unless the process set thresholds of its own (idempotent)."""
    if gc.get_threshold() == CPYTHON_THRESHOLDS:
        gc.set_threshold(*SERVICE_THRESHOLDS)
        logger.debug("garbage collector thresholds %s", SERVICE_THRESHOLDS)


def freeze_loaded(what: str) -> None:
    """Move every object alive now out of the collector's way (after ``what`` loaded).

    ``gc.freeze`` is cheap (it moves the generations' lists, it walks nothing) and may be
    called after each background load; objects frozen while a turn was using them are still
    freed by reference counting when the turn drops them.
    """
    gc.freeze()
    logger.debug("%s loaded: %d objects frozen", what, gc.get_freeze_count())
