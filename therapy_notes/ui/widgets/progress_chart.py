"""Progress over time: one small line chart per measurement kind, drawn with QPainter.

Kinds have different scales (degrees of flexion, pain out of 10), so each series gets its
own panel and y-axis instead of sharing one misleading axis. Drawn by hand to avoid the
large QtCharts add-on for a few lines and dots.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from therapy_notes.ui.controllers.notes import ProgressPoint
from therapy_notes.ui.tones import series_colours

PANEL_HEIGHT_PX = 150
MARGIN_LEFT_PX = 56
MARGIN_PX = 12
MARGIN_RIGHT_PX = 48


class ProgressChart(QWidget):
    """Series name -> points; one panel per series, sessions in time order along x."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Progress chart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._series: dict[str, list[ProgressPoint]] = {}

    def show_series(self, series: dict[str, list[ProgressPoint]]) -> None:
        self._series = {
            name: sorted(points, key=lambda p: p.at) for name, points in sorted(series.items())
        }
        self.setMinimumHeight(max(1, len(self._series)) * PANEL_HEIGHT_PX)
        self.updateGeometry()
        self.update()

    def series_names(self) -> list[str]:
        return list(self._series)

    def points(self, name: str) -> list[ProgressPoint]:
        return list(self._series[name])

    def sizeHint(self) -> QSize:
        return QSize(640, max(1, len(self._series)) * PANEL_HEIGHT_PX)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        if not self._series:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                "No measurements recorded for this patient yet.",
            )
            return
        colours = series_colours(self.palette().base().color().lightness() < 128)
        times = sorted({p.at for points in self._series.values() for p in points})
        height = self.height() / len(self._series)
        for index, (name, points) in enumerate(self._series.items()):
            panel = QRectF(0, index * height, self.width(), height)
            self._draw_panel(
                painter, panel, name, points, times, QColor(colours[index % len(colours)])
            )
        painter.end()

    def _draw_panel(
        self,
        painter: QPainter,
        panel: QRectF,
        name: str,
        points: list[ProgressPoint],
        times: list[datetime],
        color: QColor,
    ) -> None:
        text = self.palette().text().color()
        line_px = painter.fontMetrics().height()
        painter.setPen(text)
        painter.drawText(
            QRectF(
                panel.left() + MARGIN_PX, panel.top() + 2, panel.width() - 2 * MARGIN_PX, line_px
            ),
            Qt.AlignmentFlag.AlignLeft,
            name,
        )
        plot = QRectF(
            panel.left() + MARGIN_LEFT_PX,
            panel.top() + 2 * line_px + 8,
            panel.width() - MARGIN_LEFT_PX - MARGIN_RIGHT_PX,
            panel.height() - 3 * line_px - 16,
        )
        values = [p.value for p in points]
        low, high = min(values), max(values)
        if high == low:
            low, high = low - 1, high + 1
        pad = (high - low) * 0.1  # points never sit on the axes
        low, high = low - pad, high + pad
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        painter.setPen(text)
        for value, y in (
            (max(values), plot.top() + plot.height() * pad / (high - low)),
            (min(values), plot.bottom() - plot.height() * pad / (high - low)),
        ):
            painter.drawText(
                QRectF(panel.left(), y - line_px / 2, MARGIN_LEFT_PX - 6, line_px),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{value:g}",
            )
        span = max(1, len(times) - 1)

        def at(point: ProgressPoint) -> QPointF:
            x = plot.left() + plot.width() * (
                times.index(point.at) / span if len(times) > 1 else 0.5
            )
            y = plot.bottom() - plot.height() * (point.value - low) / (high - low)
            return QPointF(x, y)

        for first, second in itertools.pairwise(points):
            painter.setPen(QPen(color, 2))
            painter.drawLine(at(first), at(second))
        painter.setBrush(color)
        for point in points:
            painter.setPen(QPen(color, 1))
            painter.drawEllipse(at(point), 3.5, 3.5)
            painter.setPen(text)
            spot = at(point)
            painter.drawText(
                QRectF(spot.x() - 30, spot.y() - line_px - 4, 60, line_px),
                Qt.AlignmentFlag.AlignCenter,
                f"{point.value:g}",
            )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for t, where in (
            (times[0], Qt.AlignmentFlag.AlignLeft),
            (times[-1], Qt.AlignmentFlag.AlignRight),
        ):
            painter.drawText(
                QRectF(plot.left(), plot.bottom() + 2, plot.width(), line_px),
                where,
                t.astimezone().strftime("%Y-%m-%d"),
            )
