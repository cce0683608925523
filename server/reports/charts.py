"""Charts as SVG: inline in the HTML report, and drawn as vectors into the PDF by fpdf2 (the same
picture in both; matplotlib no longer draws them)."""
from __future__ import annotations

from .. import texts
from .tables import Chart

COLORS = ("#1f5f99", "#e07b00", "#2e8b57", "#8b2252")


def svg_for_pdf(chart: Chart, width: int = 720, height: int = 260) -> bytes:
    """The same chart as the HTML page's, for the PDF (fpdf2 draws SVG as vectors): the font is
    the PDF's embedded DejaVu and the ``<title>`` elements, which the PDF can not show, are left
    out. Drawing it costs 20-50 ms; matplotlib took 100-250 ms a chart and 1-2 s to import."""
    return svg(chart, width, height, font="DejaVu", titles=False).encode()


def svg(chart: Chart, width: int = 720, height: int = 260, *, font: str = "DejaVu Sans, Arial, sans-serif",
        titles: bool = True) -> str:
    """The chart as inline SVG for the HTML report: presentation attributes only (no ``style``),
    so the page's Content Security Policy needs no inline styles. Text is escaped."""
    from markupsafe import escape

    left, right, top, bottom = 48, 12, 34, 46
    w, h = width - left - right, height - top - bottom
    values = [v for _, vs in chart.series for v in vs if v is not None]
    vmax = max(values) if values else 0
    step = _nice_step(vmax)
    top_value = max(step, step * -(-vmax // step)) if vmax else step
    n = max(1, len(chart.categories))
    band = w / n
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'role="img" aria-label="{escape(chart.title)}" class="chart" font-family="{font}">',
           f'<title>{escape(chart.title)}</title>' if titles else "",
           f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#1b1b1b">{escape(chart.title)}</text>']
    ticks = int(round(top_value / step))
    for i in range(ticks + 1):
        v = step * i
        y = top + h - h * v / top_value
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de" stroke-width="1"/>')
        label = texts.decimal(v)
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#444">{label}</text>')
    k = len(chart.series)
    for s, (name, vs) in enumerate(chart.series):
        color = COLORS[s % len(COLORS)]
        if chart.kind == "line":
            pts = [(left + band * (i + 0.5), top + h - h * v / top_value) for i, v in enumerate(vs) if v is not None]
            if pts:
                out.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                    color, " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)))
                out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in pts]
        else:
            bw = band * 0.8 / k
            for i, v in enumerate(vs):
                if not v:
                    continue
                x = left + band * i + band * 0.1 + bw * s
                bh = h * v / top_value
                tip = f'<title>{escape(name)}: {escape(texts.decimal(v))}</title>' if titles else ""
                out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{bw:.1f}" height="{bh:.1f}" '
                           f'fill="{color}">{tip}</rect>')
    every = max(1, -(-n // 16))
    for i, cat in enumerate(chart.categories):
        if i % every:
            continue
        x = left + band * (i + 0.5)
        out.append(f'<text x="{x:.1f}" y="{top + h + 16}" font-size="11" text-anchor="middle" fill="#444">'
                   f'{escape(cat)}</text>')
    lx = left
    for s, (name, _) in enumerate(chart.series):
        color = COLORS[s % len(COLORS)]
        out.append(f'<rect x="{lx}" y="{height - 14}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{lx + 16}" y="{height - 4}" font-size="12" fill="#1b1b1b">{escape(name)}</text>')
        lx += 30 + 8 * len(name)
    out.append("</svg>")
    return "\n".join(out)


def _nice_step(vmax: float) -> float:
    if vmax <= 0:
        return 1
    raw = vmax / 5
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 0.1
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag
