"""Draw the app's PNG icons (the web app manifest's 192 and 512 px, plain and maskable)
from static/icons/icon.svg. Run once after changing the SVG; the PNGs are committed.

    .venv/bin/python scripts/make_icons.py

The SVG is one rounded square and one stroked path of straight segments (a check mark);
this draws exactly those shapes with Pillow, four times larger, then scales down so the
edges are smooth. Anything else in the SVG is refused rather than drawn wrong.

A maskable icon is cropped by the phone to a circle or a squircle: its background fills
the whole square and the mark is shrunk into the middle 80 % (the safe zone).
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
NS = "{http://www.w3.org/2000/svg}"
SUPERSAMPLE = 4
#: The mark's share of a maskable icon: its farthest point, 21 of 64 units from the centre,
#: then lies at 27 % of the width from it, well inside the safe zone's 40 %.
MASKABLE_SCALE = 0.8


def read_svg(path: Path) -> tuple[float, dict, dict]:
    root = ET.parse(path).getroot()  # noqa: S314 - our own file
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    if width != height:
        sys.exit("the icon's viewBox must be square")
    shapes = list(root)
    rects = [e for e in shapes if e.tag == f"{NS}rect"]
    paths = [e for e in shapes if e.tag == f"{NS}path"]
    if len(rects) != 1 or len(paths) != 1 or len(shapes) != 2:
        sys.exit("this script draws one <rect> and one <path>: update it for the new icon")
    return width, rects[0].attrib, paths[0].attrib


def path_points(d: str) -> list[tuple[float, float]]:
    """The points of a path made of M/m, L/l (and implicit lineto) commands."""
    tokens = re.findall(r"[MmLl]|-?\d*\.?\d+", d)
    points: list[tuple[float, float]] = []
    command, i = None, 0
    while i < len(tokens):
        if tokens[i] in "MmLl":
            command = tokens[i]
            i += 1
            continue
        x, y = float(tokens[i]), float(tokens[i + 1])
        i += 2
        if command in "ml" and points:
            x, y = points[-1][0] + x, points[-1][1] + y
        points.append((x, y))
        if command == "M":
            command = "L"
        elif command == "m":
            command = "l"
    return points


def draw(size: int, *, maskable: bool) -> Image.Image:
    view, rect, path = read_svg(ICONS / "icon.svg")
    big = size * SUPERSAMPLE
    unit = big / view
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=rect["fill"])
        scale, offset = unit * MASKABLE_SCALE, big * (1 - MASKABLE_SCALE) / 2
    else:
        radius = float(rect.get("rx", 0)) * unit
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=rect["fill"])
        scale, offset = unit, 0.0
    points = [(offset + x * scale, offset + y * scale) for x, y in path_points(path["d"])]
    width = float(path["stroke-width"]) * scale
    pen.line(points, fill=path["stroke"], width=round(width), joint="curve")
    for x, y in (points[0], points[-1]):  # stroke-linecap: round
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2),
                    fill=path["stroke"])
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    for size in (192, 512):
        for maskable in (False, True):
            name = f"icon-{'maskable-' if maskable else ''}{size}.png"
            draw(size, maskable=maskable).save(ICONS / name, optimize=True)
            print(f"{name}: {(ICONS / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
