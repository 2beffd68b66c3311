"""Qt's SVG made to draw the same in every renderer: strokes baked out of their group's transform.

Qt draws a plot's curves in data coordinates under a group ``transform`` and keeps their pen one pixel
wide with ``vector-effect="non-scaling-stroke"``. librsvg and ImageMagick ignore that effect and scale
the pen with the transform, so a 2-pixel curve under a scale of 1,000 became a band that covered the
whole plot (the loss curve, the map's trails). Writing each such path's points in the group's own
pixel coordinates and dropping the transform gives every renderer the same thin line.
"""

from __future__ import annotations

import re

_GROUP = re.compile(r'(<g\b[^>]*?)transform="matrix\(([^)]*)\)"([^>]*>)(.*?)(</g>)', re.S)
_ELEMENT = re.compile(r"<(path|polyline)\b[^>]*/>", re.S)
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"({_NUMBER}),({_NUMBER})")
_PATH = re.compile(rf"(?:[MLCZ]|{_NUMBER},{_NUMBER}|\s+)*")


def bake_strokes(svg: str) -> str:
    """``svg`` with every stroked, scaled group of non-scaling paths written in pixel coordinates."""
    return _GROUP.sub(_bake_group, svg)


def _bake_group(match: re.Match) -> str:
    head, matrix, tail, body, end = match.groups()
    try:
        a, b, c, d, e, f = (float(v) for v in matrix.split(","))
    except ValueError:
        return match.group(0)
    stroked = 'stroke="none"' not in head + tail
    scaled = (a, b, c, d) != (1.0, 0.0, 0.0, 1.0)
    elements = _ELEMENT.findall(body)
    only_lines = _ELEMENT.sub("", body).strip() == "" and elements
    if not (stroked and scaled and only_lines and "non-scaling-stroke" in body):
        return match.group(0)
    if any(not _PATH.fullmatch(d_attr) for d_attr in re.findall(r'\bd="([^"]*)"', body)):
        return match.group(0)  # a command other than absolute M, L, C, Z: leave it to the renderer

    def point(pair: re.Match) -> str:
        x, y = float(pair.group(1)), float(pair.group(2))
        return f"{a * x + c * y + e:.3f},{b * x + d * y + f:.3f}"

    def coordinates(attribute: re.Match) -> str:
        return f'{attribute.group(1)}="{_PAIR.sub(point, attribute.group(2))}"'

    body = re.sub(r'\b(d|points)="([^"]*)"', coordinates, body)
    return f'{head}transform="matrix(1,0,0,1,0,0)"{tail}{body}{end}'
