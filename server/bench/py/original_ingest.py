"""The original system's ingest: every page of the scan rendered by PyMuPDF to a PNG file at the given dpi.

Usage: original_ingest.py <scan.pdf> <output dir> <dpi>. Prints one JSON line: pages, seconds, bytes, peakRssBytes.
"""
import json
import os
import resource
import sys
import time

import fitz

pdf_path, out_dir, dpi = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out_dir, exist_ok=True)
started = time.perf_counter()
doc = fitz.open(pdf_path)
total = 0
for index, page in enumerate(doc):
    pix = page.get_pixmap(dpi=dpi)
    target = os.path.join(out_dir, f"page-{index:04d}.png")
    pix.save(target)
    total += os.path.getsize(target)
pages = doc.page_count
doc.close()
seconds = time.perf_counter() - started
print(json.dumps({
    "pages": pages,
    "seconds": seconds,
    "bytes": total,
    "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
