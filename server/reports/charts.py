"""Charts as pictures for the PDF: matplotlib's object API with the Agg canvas (no pyplot, no
global state, safe in the hub's threads). DejaVu Sans, matplotlib's own font, has Cyrillic."""
from __future__ import annotations

import io
from functools import lru_cache

from .tables import Chart

COLORS = ("#1f5f99", "#e07b00", "#2e8b57", "#8b2252")


def png(chart: Chart, width_in: float = 10.0, height_in: float = 3.6, dpi: int = 150) -> bytes:
    """The chart as a PNG. Drawn once per distinct chart and kept (matplotlib takes 100-250 ms a
    chart): a report exported again, or in another format that embeds it, reuses the picture."""
    key = (chart.kind, chart.title, chart.y_title, tuple(chart.categories),
           tuple((name, tuple(values)) for name, values in chart.series))
    return _png(key, width_in, height_in, dpi)


@lru_cache(maxsize=64)
def _png(key: tuple, width_in: float, height_in: float, dpi: int) -> bytes:
    kind, title, y_title, categories, series = key
    chart = Chart(id="", title=title, categories=list(categories), series=[(n, list(v)) for n, v in series],
                  kind=kind, y_title=y_title)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    n = len(chart.series)
    xs = list(range(len(chart.categories)))
    if chart.kind == "line":
        for i, (name, values) in enumerate(chart.series):
            pts = [(x, v) for x, v in zip(xs, values) if v is not None]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=COLORS[i % len(COLORS)], label=name)
    else:
        width = 0.8 / max(1, n)
        for i, (name, values) in enumerate(chart.series):
            offs = [x - 0.4 + width * (i + 0.5) for x in xs]
            ax.bar(offs, [v or 0 for v in values], width=width, color=COLORS[i % len(COLORS)], label=name)
    ax.set_xticks(xs)
    ax.set_xticklabels(chart.categories, rotation=0 if len(xs) <= 14 else 60, fontsize=8)
    ax.set_ylabel(chart.y_title)
    ax.set_title(chart.title, fontsize=11)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if n > 1:  # under the chart, never over the bars
        ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=n)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def svg(chart: Chart, width: int = 720, height: int = 260) -> str:
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
           f'role="img" aria-label="{escape(chart.title)}" class="chart" font-family="DejaVu Sans, Arial, sans-serif">',
           f'<title>{escape(chart.title)}</title>',
           f'<text x="{left}" y="18" font-size="14" font-weight="bold" fill="#1b1b1b">{escape(chart.title)}</text>']
    ticks = int(round(top_value / step))
    for i in range(ticks + 1):
        v = step * i
        y = top + h - h * v / top_value
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de" stroke-width="1"/>')
        label = f"{v:g}".replace(".", ",")
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
                out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{bw:.1f}" height="{bh:.1f}" '
                           f'fill="{color}"><title>{escape(name)}: {escape(str(v).replace(".", ","))}</title></rect>')
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
