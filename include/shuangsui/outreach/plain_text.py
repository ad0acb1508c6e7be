"""The text/plain part of a mail, read from its HTML part by a real HTML parser (the
standard library's html.parser), never by stripping tags with a pattern: what is in
<head>, <style> and <script> is dropped, paragraphs and headings stay paragraphs, line
breaks stay line breaks, table rows stay one line a row (cells between ' | '), list items
get a '- ', a link keeps its address."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Content never shown to a reader.
_HIDDEN = frozenset({"head", "style", "script", "template", "noscript"})
# Elements a reader sees as paragraphs of their own.
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "dl",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "nav",
        "figure",
        "address",
        "hr",
    }
)
# HTML collapses ASCII whitespace only: a 全角空格 (U+3000) or &nbsp; is kept.
_WS = " \t\n\r\f"
_SPACE = re.compile(f"[{_WS}]+")


def html_to_text(html: str) -> str:
    """The text a reader of `html` sees, as plain text (UTF-8, one paragraph a block)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []  # inline text of the line being built
        self.hidden = 0  # depth inside elements never shown
        self.pre = 0  # depth inside <pre>: whitespace kept
        self.cells = 0  # cells started in the current table row
        self.lists: list[int | None] = []  # open lists: None (ul) or the next number (ol)
        self.links: list[tuple[str, int]] = []  # open <a>: (href, where its text starts)

    # --- structure -----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if self.hidden:
            return
        if tag in _BLOCKS:
            self._paragraph()
        if tag == "hr":
            self.lines += ["-" * 20, ""]
        elif tag == "pre":
            self.pre += 1
        elif tag == "br":
            self._newline(keep_empty=True)
        elif tag == "tr":
            self._newline()
            self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.line.append(" | ")
            self.cells += 1
        elif tag in ("ul", "ol"):
            self.lists.append(1 if tag == "ol" else None)
        elif tag == "li":
            self._item()
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.line)))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.line.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
            return
        if self.hidden:
            return
        if tag == "pre":
            self._newline(collapse=False)
            self.pre = max(self.pre - 1, 0)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("tr", "li"):
            self._newline()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.line[start:])
            target = href.removeprefix("mailto:")
            if href and not href.startswith("#") and target not in shown:
                self.line.append(f" <{target}>")
        if tag in _BLOCKS:
            self._paragraph()

    def _item(self) -> None:
        """A list item: '- ' (or its number in an <ol>), indented by the list's depth."""
        self._newline()
        number = self.lists[-1] if self.lists else None
        indent = "  " * max(len(self.lists) - 1, 0)
        if number is None:
            self.line.append(f"{indent}- ")
        else:
            self.line.append(f"{indent}{number}. ")
            self.lists[-1] = number + 1

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.line.append(first)
            for part in rest:
                self._newline(keep_empty=True)
                self.line.append(part)
        else:
            self.line.append(_SPACE.sub(" ", data))

    # --- output --------------------------------------------------------------------

    def _newline(self, *, keep_empty: bool = False, collapse: bool | None = None) -> None:
        """End the line being built (an empty one only where a <br> or <pre> says so);
        its spaces are collapsed except inside <pre>."""
        text = "".join(self.line)
        if collapse is None:
            collapse = not self.pre
        text = _SPACE.sub(" ", text).strip(_WS) if collapse else text.rstrip(_WS)
        if text or keep_empty:
            self.lines.append(text)
        self.line = []

    def _paragraph(self) -> None:
        """End the paragraph: one empty line before what follows."""
        self._newline()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self) -> str:
        self._newline()
        out: list[str] = []
        for line in self.lines:
            if line == "" and (not out or out[-1] == ""):
                continue  # one empty line between paragraphs, none at the start
            out.append(line)
        return "\n".join(out).strip("\n") + "\n"
