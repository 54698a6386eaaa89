"""How heavy the offline code is (issue 12, item 6: the service worker and the outbox code
together under 15 KB minified, with no build step).

    .venv/bin/python bench/offline_size.py

The app ships its files as written; this only measures (the worker as /sw.js serves it, with
its release and list of files in front). "Minified" here is what a plain
minifier does without renaming anything: comments and every needless space and line break
removed (strings, template literals and regular expressions kept as they are). Real
minifiers also shorten local names, so they would do better; gzip is what the phone then
downloads (the server compresses with Brotli or gzip). Prints one line per file and the total,
and exits non-zero when the total is over the budget.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "static" / "js"
FILES = ("sw.js", "outbox.js", "outbox-form.js", "offline.js", "outbox-page.js")
BUDGET = 15 * 1024
#: After these a "/" starts a regular expression, not a division.
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
WORD = re.compile(r"[A-Za-z0-9_$]")


def minify(source: str) -> str:
    """Drop comments and needless whitespace; keep strings, templates and regexes intact."""
    out: list[str] = []
    i, n = 0, len(source)
    pending_space = False

    def last() -> str:
        return out[-1][-1] if out and out[-1] else ""

    def emit(text: str) -> None:
        nonlocal pending_space
        if pending_space and out and WORD.match(last()) and WORD.match(text[0]):
            out.append(" ")
        elif pending_space and last() in "+-" and text[0] in "+-":
            out.append(" ")  # a + +b stays apart
        pending_space = False
        out.append(text)

    while i < n:
        c = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
            pending_space = True
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
            pending_space = True
        elif c.isspace():
            i += 1
            pending_space = True
        elif c in "'\"`":
            j = i + 1
            depth = 0
            while j < n:
                if source[j] == "\\":
                    j += 2
                    continue
                if c == "`" and source.startswith("${", j):
                    depth += 1
                elif c == "`" and source[j] == "}" and depth:
                    depth -= 1
                elif source[j] == c and not depth:
                    break
                j += 1
            emit(source[i:j + 1])
            i = j + 1
        elif c == "/" and (last() in REGEX_AFTER or re.search(r"\breturn$", "".join(out[-3:]))):
            j, in_class = i + 1, False
            while j < n and (in_class or source[j] != "/"):
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            j += 1
            while j < n and source[j].isalpha():  # flags
                j += 1
            emit(source[i:j])
            i = j
        else:
            j = i + 1
            if WORD.match(c):
                while j < n and WORD.match(source[j]):
                    j += 1
            emit(source[i:j])
            i = j
    return "".join(out)


def served_worker() -> str:
    """/sw.js as the server sends it: its release and list of files, then static/js/sw.js."""
    sys.path.insert(0, str(JS.parent.parent))
    from survey_app.offline.services import service_worker_script, shell_files

    static = JS.parent
    urls = [f"/static/{p.as_posix()}" for p in shell_files(static)]
    return service_worker_script(static, [*urls, "/favicon.ico"], [])


def main() -> int:
    total_raw = total_min = 0
    joined = ""
    print(f"{'file':<16}{'as written':>12}{'minified':>10}{'gzip':>8}")
    for name in FILES:
        text = served_worker() if name == "sw.js" else (JS / name).read_text(encoding="utf-8")
        small = minify(text)
        joined += small
        raw, size = len(text.encode()), len(small.encode())
        total_raw += raw
        total_min += size
        print(f"{name:<16}{raw:>12,}{size:>10,}{len(gzip.compress(small.encode(), 9)):>8,}")
    zipped = len(gzip.compress(joined.encode(), 9))
    print(f"{'together':<16}{total_raw:>12,}{total_min:>10,}{zipped:>8,}")
    verdict = "within" if total_min <= BUDGET else "OVER"
    print(f"budget {BUDGET:,} bytes minified: {verdict} ({total_min / BUDGET:.0%})")
    return 0 if total_min <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
