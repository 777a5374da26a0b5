"""The original system's finalize: the copy's PNG page images placed into a new PDF with PyMuPDF, the annotations
drawn as rectangles, lines and text, plus a summary page.

Usage: original_finalize.py <spec.json>. The spec holds the 4-page scan to render to PNG first (the original's page
images, made once and not timed), the annotations, scores, and how many runs to time. Prints one JSON line.
"""
import json
import sys
import time

import fitz

spec = json.load(open(sys.argv[1], encoding="utf-8"))
source = fitz.open(spec["scan"])
pngs = [page.get_pixmap(dpi=spec["dpi"]).tobytes("png") for page in source]
source.close()

RED = (0.84, 0.1, 0.12)
GREEN = (0.08, 0.55, 0.2)
YELLOW = (1, 0.88, 0.1)


def finalize():
    doc = fitz.open()
    for position, png in enumerate(pngs):
        # A4 at the image's resolution: the page size the original derived from its 150 dpi renders.
        width, height = 595.28, 841.89
        page = doc.new_page(width=width, height=height)
        page.insert_image(page.rect, stream=png)
        for a in spec["annotations"]:
            if a["pagePosition"] != position:
                continue
            r = fitz.Rect(a["x"] * width, a["y"] * height, (a["x"] + a["w"]) * width, (a["y"] + a["h"]) * height)
            kind = a["type"]
            if kind == "HIGHLIGHT":
                page.draw_rect(r, color=None, fill=YELLOW, fill_opacity=0.35)
            elif kind == "COMMENT":
                page.draw_rect(r, color=RED, width=1.2)
                page.insert_textbox(r + (3, 3, -3, -3), a["content"] or "", fontsize=9, color=RED)
            elif kind == "TICK":
                page.draw_polyline([r.bl + (0, -r.height * 0.5), r.bl + (r.width * 0.35, 0), r.tr], color=GREEN, width=2)
            elif kind == "CROSS":
                page.draw_line(r.tl, r.br, color=RED, width=2)
                page.draw_line(r.tr, r.bl, color=RED, width=2)
            elif kind == "SCORE":
                page.draw_rect(r, color=RED, width=1.2)
                page.insert_text(r.bl + (3, -4), a["content"] or "", fontsize=11, color=RED)
            elif kind == "FREEHAND":
                pts = [fitz.Point(x * width, y * height) for x, y in a["points"]]
                page.draw_polyline(pts, color=RED, width=1.5)
    summary = doc.new_page(width=595.28, height=841.89)
    y = 60
    summary.insert_text((50, y), f'{spec["examTitle"]} - {spec["copyCode"]}', fontsize=14)
    for line in spec["summary"]:
        y += 18
        summary.insert_text((50, y), line, fontsize=10)
    return doc.tobytes(garbage=3, deflate=True)


for _ in range(spec["warmup"]):
    finalize()
times = []
out = b""
for _ in range(spec["runs"]):
    started = time.perf_counter()
    out = finalize()
    times.append((time.perf_counter() - started) * 1000)
print(json.dumps({
    "timesMs": times,
    "outputBytes": len(out),
    "pngBytes": sum(len(p) for p in pngs),
}))
