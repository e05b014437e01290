"""Headings-aware Markdown chunking for the knowledge base.

A document is split at its headings; every chunk keeps the path of headings above it
(``"Criteria > 4. Costs and results"``) and inherits the reference-point tags of the nearest
tagged heading. Tags are an HTML comment right under a heading::

    ## Co-financing
    <!-- rp: co_funding, budget_total -->

Sections longer than ``max_chars`` are cut at sentence boundaries with about ``overlap``
characters repeated at the start of the next piece, which suits small models such as
multilingual-e5-small (512 tokens). A YAML-like front matter block (``---`` / ``key: value`` /
``---``) may set ``lang`` and a default ``rp`` for the whole file.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

DEFAULT_MAX_CHARS = 700
DEFAULT_OVERLAP = 100

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_RP_TAG = re.compile(r"^\s*<!--\s*rp\s*:\s*(.*?)\s*-->\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+(?=\S)")
_FENCE = re.compile(r"^(```|~~~)")
_LIST_ITEM = re.compile(r"^([-*+]|\d+[.)])\s")


@dataclass(frozen=True)
class Chunk:
    """One piece of a knowledge document, ready to embed."""

    text: str
    source: str
    heading: str
    lang: str
    reference_points: tuple[str, ...]
    content_hash: str

    @property
    def point_id(self) -> str:
        """The deterministic vector-store id: a UUID made of the content hash."""
        return point_id_for(self.content_hash)

    @property
    def embedding_text(self) -> str:
        """What is embedded: the heading path gives a short passage its topic."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


def point_id_for(content_hash: str) -> str:
    """A UUID string derived from a hex content hash (stable across runs and machines)."""
    return str(uuid.UUID(hex=content_hash[:32]))


def content_hash(*, text: str, heading: str, lang: str, reference_points: tuple[str, ...]) -> str:
    """SHA-256 over everything that changes what a chunk means (not over its file name)."""
    material = "\x1f".join([lang, heading, ",".join(reference_points), text])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Return ``(front matter, body)``; the front matter is simple ``key: value`` lines."""
    if not text.startswith("---"):
        return {}, text
    lines = text.splitlines()
    if lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            meta: dict[str, str] = {}
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                if sep:
                    meta[key.strip().lower()] = value.strip().strip("\"'")
            return meta, "\n".join(lines[end + 1:])
    return {}, text


def parse_rp_list(raw: str) -> tuple[str, ...]:
    """``"problem, target_audience"`` → ``("problem", "target_audience")``."""
    items = (part.strip() for part in re.split(r"[,\s]+", raw.strip("[] ")))
    return tuple(dict.fromkeys(item for item in items if item))


@dataclass
class _Section:
    path: tuple[str, ...]
    tags: tuple[str, ...]
    lines: list[str]


def _sections(body: str, default_tags: tuple[str, ...]) -> list[_Section]:
    """Split at headings; track the heading path and the inherited rp tags."""
    stack: list[tuple[int, str, tuple[str, ...] | None]] = []  # (level, title, own tags)
    current = _Section(path=(), tags=default_tags, lines=[])
    sections = [current]
    expect_tag = False
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title, None))
            current = _Section(path=tuple(t for _, t, _ in stack),
                               tags=_inherited(stack, default_tags), lines=[])
            sections.append(current)
            expect_tag = True
            continue
        tag = _RP_TAG.match(line)
        if tag and expect_tag and stack:
            level, title, _ = stack[-1]
            stack[-1] = (level, title, parse_rp_list(tag.group(1)))
            current.tags = _inherited(stack, default_tags)
            continue
        if line.strip():
            expect_tag = False
        current.lines.append(line)
    return sections


def _inherited(stack: list[tuple[int, str, tuple[str, ...] | None]],
               default: tuple[str, ...]) -> tuple[str, ...]:
    for _, _, tags in reversed(stack):
        if tags is not None:
            return tags
    return default


def _units(text: str, max_chars: int) -> list[str]:
    """Paragraphs and list items; long ones split into sentences, then into words."""
    units: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        pieces: list[str] = []
        for line in (ln.strip() for ln in block.splitlines()):
            if not line:
                continue
            if pieces and not _LIST_ITEM.match(line):
                pieces[-1] = f"{pieces[-1]} {line}"  # continuation of a paragraph or an item
            else:
                pieces.append(line)
        for piece in pieces:
            if len(piece) <= max_chars:
                units.append(piece)
                continue
            for sentence in _SENTENCE_END.split(piece):
                units.extend(_hard_split(sentence, max_chars))
    return units


def _hard_split(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    out: list[str] = []
    current = ""
    for word in sentence.split():
        if current and len(current) + 1 + len(word) > max_chars:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out


def _pack(units: list[str], max_chars: int, overlap: int) -> list[str]:
    """Greedy packing of units into pieces ≤ max_chars, repeating a short tail as overlap."""
    pieces: list[str] = []
    current: list[str] = []
    for unit in units:
        if current and len(_join([*current, unit])) > max_chars:
            pieces.append(_join(current))
            tail = _tail(current, overlap)
            current = tail if tail and len(_join([*tail, unit])) <= max_chars else []
        current.append(unit)
    if current:
        pieces.append(_join(current))
    return pieces


def _tail(units: list[str], overlap: int) -> list[str]:
    """The trailing units that fit in ``overlap`` chars (or the last sentence of the last unit)."""
    tail: list[str] = []
    total = 0
    for unit in reversed(units):
        if total + len(unit) > overlap:
            break
        tail.insert(0, unit)
        total += len(unit)
    if not tail and units:
        last = _SENTENCE_END.split(units[-1])[-1]
        if len(last) <= overlap * 2 and last != units[-1]:
            tail = [last]
    return tail


def _join(units: list[str]) -> str:
    return "\n".join(units)


def chunk_markdown(text: str, *, source: str, lang: str | None = None,
                   max_chars: int = DEFAULT_MAX_CHARS,
                   overlap: int = DEFAULT_OVERLAP) -> list[Chunk]:
    """Split a Markdown (or plain text) document into chunks.

    ``lang`` overrides the front matter's ``lang``; without either, the language is guessed
    from the script (Cyrillic → ``ru``, else ``en``).
    """
    meta, body = split_front_matter(text.replace("\r\n", "\n"))
    chosen = lang or meta.get("lang") or guess_lang(body)
    default_tags = parse_rp_list(meta.get("rp", ""))
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in _sections(body, default_tags):
        section_text = _COMMENT.sub("", "\n".join(section.lines)).strip()
        if not section_text:
            continue
        heading = " > ".join(section.path)
        for piece in _pack(_units(section_text, max_chars), max_chars, overlap):
            digest = content_hash(text=piece, heading=heading, lang=chosen,
                                  reference_points=section.tags)
            if digest in seen:
                continue
            seen.add(digest)
            chunks.append(Chunk(text=piece, source=source, heading=heading, lang=chosen,
                                reference_points=section.tags, content_hash=digest))
    return chunks


def guess_lang(text: str) -> str:
    """``ru`` when Cyrillic letters dominate the letters of ``text``, else ``en``."""
    cyrillic = sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "ru" if cyrillic > latin else "en"
