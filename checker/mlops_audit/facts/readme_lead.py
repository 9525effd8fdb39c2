"""What the repository says it is: the opening of its root README, its title and first paragraphs.

Samples, tutorials, courses, a book's code, templates and libraries say so where they start: "This repository
contains sample code for whylogs", "Source code accompanying O'Reilly book", "Detectron2 is ... next generation
library that provides...". The phrases that mark each kind are knowledge (``lead`` entries,
``rules/knowledge/repository_kinds.yaml``, and a team's own); this module gives the opening they are looked for
in, as lower-case words:

- the README at the root (``README.md`` first, then ``.rst``, ``.txt``, none), its first ``HEAD_BYTES``;
- its first heading (the title) and its introduction: the prose up to the first heading after ``MIN_WORDS``
  words of it, at most ``LEAD_WORDS`` words. Other headings (banners), list items, tables,
  code blocks, quotes, HTML tags and comments, images and badges (their alt text too), link targets and bare URLs
  are left out, as they say what is in the repository, not what it is.

Every step is a forward scan (``str.find`` and one character class), linear in the bytes read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_audit.facts.repo import RepoFacts
    from mlops_audit.knowledge import Entry

HEAD_BYTES = 16_384
LEAD_WORDS = 80
MIN_WORDS = 15  # a heading before this much prose is the title or a banner's, not the end of the introduction
README_ORDER = ("readme.md", "readme.markdown", "readme.rst", "readme.txt", "readme")
WORD = re.compile(r"[^\W_]+")
LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,3}[.)])\s")
UNDERLINE = frozenset("=-~^*#+")  # an RST title's underline, a Markdown rule


def words(text: str) -> str:
    """``text`` as lower-case words separated by single spaces (anything not a letter or a digit splits)."""
    return " ".join(WORD.findall(text.lower()))


def readme(facts: RepoFacts) -> str | None:
    """The root README's path, or None."""
    found = {p.lower(): p for p in facts.paths if "/" not in p and p.lower() in README_ORDER}
    return next((found[name] for name in README_ORDER if name in found), None)


def _cut(text: str, start: str, end: str) -> str:
    """``text`` without the spans from ``start`` to the next ``end`` (an unclosed span runs to the end)."""
    out: list[str] = []
    i = 0
    while True:
        j = text.find(start, i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        k = text.find(end, j + len(start))
        if k < 0:
            return "".join(out)
        out.append(" ")
        i = k + len(end)


def _unlink(line: str) -> str:
    """A Markdown line with its link targets and images (alt text included) removed, link texts kept."""
    out: list[str] = []
    i = 0
    while True:
        j = line.find("](", i)
        if j < 0:
            out.append(line[i:])
            return "".join(out)
        head = line[i:j]
        image = head.rfind("![")
        if image >= 0 and head.find("]", image) < 0:
            head = head[:image]  # ![alt](src): a picture or a badge, not prose
        out.append(head)
        k = line.find(")", j + 2)
        if k < 0:
            return "".join(out)
        out.append(" ")
        i = k + 1


def lead_of(text: str) -> str:
    """The opening of a README's text as lower-case words (see the module)."""
    text = _cut(text, "<!--", "-->").replace("&nbsp;", " ")
    text = _cut(text, "<", ">")
    title: list[str] = []
    prose: list[str] = []
    count = 0
    fenced = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or not line or line[0] in "|>" or LIST_ITEM.match(line) or set(line) <= UNDERLINE \
                or line.startswith((".. ", ":")):  # ``.. image::``, ``:alt:``: an RST directive or field
            continue
        line = " ".join(w for w in _unlink(line).split() if "://" not in w and not w.startswith("www."))
        if line.startswith("#"):
            if count >= MIN_WORDS:
                break  # the introduction ends at the first heading after it
            if not title:
                title.append(words(line))
            continue
        spoken = words(line)
        if spoken:
            prose.append(spoken)
            count += spoken.count(" ") + 1
            if count >= LEAD_WORDS:
                break
    opening = " ".join([*title, *prose]).split()
    return " ".join(opening[: LEAD_WORDS + (title[0].count(" ") + 1 if title else 0)])


def lead(facts: RepoFacts) -> tuple[str, str] | None:
    """(README path, its opening as words), or None with no readable root README."""
    path = readme(facts)
    if path is None:
        return None
    raw = facts.inventory.read_bytes(path, HEAD_BYTES)  # its head only: a README of any size has an opening
    if raw is None or b"\0" in raw:
        return None
    return path, lead_of(raw.decode("utf-8", "ignore").removeprefix("\ufeff"))


def said(facts: RepoFacts, capability: str) -> tuple[str, str, Entry] | None:
    """(README path, the phrase, its entry) of the first ``lead`` phrase of ``capability`` the README's opening
    says, or None."""
    opening = facts.readme_opening
    if opening is None:
        return None
    path, text = opening
    spaced = f" {text} "
    for entry in facts.knowledge[capability].lead_entries:
        for phrase in entry.lead:
            # ``^example``: the opening's first words, with more after them ("Example MLflow project"; a README
            # whose whole title is "demo" names a project)
            if f" {phrase} " in spaced if phrase[0] != "^" else spaced.startswith(f" {phrase[1:]} ") and len(
                    spaced) > len(phrase) + 1:
                return path, phrase.lstrip("^"), entry
    return None
