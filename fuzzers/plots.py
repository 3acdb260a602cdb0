#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""plots: PNG line plots through gnuplot (Debian's gnuplot-nox, deps/fuzz.txt) for campaign
summaries (coverage over time) and the bug benchmark (bugs found over time). Without gnuplot
the data file and script are still written and the plot is reported missing (None)."""
import shutil
import subprocess
from pathlib import Path


def lines(png: Path, title: str, xlabel: str, ylabel: str, series, steps=False, y2=None,
          y2label=""):
    """series: {name: [(x, y), ...]} on the left axis; y2: the same on the right axis.
    Writes <png>.dat and <png>.gp beside the PNG; returns the PNG's path or None."""
    png = Path(png)
    data = png.with_suffix(".dat")
    script = png.with_suffix(".gp")
    blocks = list(series.items()) + list((y2 or {}).items())
    with open(data, "w") as f:
        for name, pts in blocks:
            f.write(f'"{name}"\n' + "".join(f"{x:g} {y:g}\n" for x, y in pts) + "\n\n")
    style = "steps" if steps else "lines"
    plots = []
    for i, (name, _) in enumerate(blocks):
        axis = " axes x1y2" if i >= len(series) else ""
        plots.append(f'"{data}" index {i} using 1:2 with {style} lw 2{axis} title columnheader(1)')
    script.write_text(
        f'set terminal pngcairo size 900,520\nset output "{png}"\nset title "{title}"\n'
        f'set xlabel "{xlabel}"\nset ylabel "{ylabel}"\nset yrange [0:*]\nset key left top\n'
        + (f'set y2label "{y2label}"\nset y2tics\nset y2range [0:*]\nset ytics nomirror\n'
           if y2 else "")
        + "plot " + ", \\\n     ".join(plots) + "\n")
    gp = shutil.which("gnuplot")
    if gp is None or not blocks:
        return None
    p = subprocess.run([gp, str(script)], capture_output=True, text=True, timeout=60)
    return str(png) if p.returncode == 0 and png.exists() else None
