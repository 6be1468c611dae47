"""The live transcript: partial text streams in and is replaced by the final segment.

A turn still being spoken has two kinds of words: those a second look has confirmed, and
the newest ones that may still change. They are drawn differently (the unconfirmed ones
fainter and underlined with dots, so the difference does not rest on colour alone), which
is why a partial row is painted by a delegate instead of as one plain string.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QBrush,
    QFont,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from therapy_notes.domain.session import Segment, SpeakerRole

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SPEAKER_ROLE = Qt.ItemDataRole.UserRole + 2
START_ROLE = Qt.ItemDataRole.UserRole + 3
CONFIRMED_ROLE = Qt.ItemDataRole.UserRole + 4
"""A partial row's confirmed words (None on a final row)."""
TENTATIVE_ROLE = Qt.ItemDataRole.UserRole + 5
"""A partial row's words not confirmed yet (None on a final row)."""
PARTIAL_MARK = "…  "

IDLE_HINT = "Press Record or F9 to start; the transcript appears here."
LISTENING_HINT = (
    "Listening… Each turn appears here a moment after the speaker pauses, with who spoke."
)


def clock(ms: int) -> str:
    """mm:ss of a time in the session's audio."""
    seconds = max(ms, 0) // 1000
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def partial_text(confirmed: str, tentative: str) -> str:
    """A partial row as plain text (its accessible text): all its words, in order."""
    return PARTIAL_MARK + " ".join(part for part in (confirmed.strip(), tentative.strip()) if part)


class PartialRowDelegate(QStyledItemDelegate):
    """Paints a turn in progress: confirmed words firm, the newest ones marked tentative.

    Final rows are left to the default painting.
    """

    _MARGIN_PX = 3

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if index.data(TENTATIVE_ROLE) is None:
            super().paint(painter, option, index)
            return
        view_option = QStyleOptionViewItem(option)
        self.initStyleOption(view_option, index)
        view_option.text = ""  # the background, selection and focus only; the words below
        widget = view_option.widget  # the view: a list always passes itself
        style = widget.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, view_option, painter, widget)
        rect = view_option.rect
        document = self.document(view_option, index, rect.width())
        painter.save()
        painter.translate(rect.left() + self._MARGIN_PX, rect.top() + self._MARGIN_PX)
        context = QAbstractTextDocumentLayout.PaintContext()
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        if index.data(TENTATIVE_ROLE) is None:
            return super().sizeHint(option, index)
        view = self.parent()  # the list: the option's widget is not set when sizing
        width = view.viewport().width() if isinstance(view, QListWidget) else option.rect.width()
        document = self.document(option, index, width)
        margin = 2 * self._MARGIN_PX
        return QSize(width, int(document.size().height()) + margin)

    def document(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        width_px: int,
    ) -> QTextDocument:
        """The row's words laid out at `width_px`: confirmed, then tentative."""
        # The view's own palette: the option's has the row's (faint) foreground as its text.
        view = self.parent()
        palette = view.palette() if isinstance(view, QWidget) else option.palette
        font = QFont(index.data(Qt.ItemDataRole.FontRole) or option.font)
        document = QTextDocument()
        document.setDefaultFont(font)
        document.setDocumentMargin(0)
        document.setTextWidth(max(width_px - 2 * self._MARGIN_PX, 1))
        cursor = QTextCursor(document)
        firm = QTextCharFormat()
        firm.setForeground(palette.text())
        confirmed = str(index.data(CONFIRMED_ROLE) or "").strip()
        cursor.insertText(PARTIAL_MARK + confirmed, firm)
        tentative = str(index.data(TENTATIVE_ROLE) or "").strip()
        if tentative:
            unsure = QTextCharFormat()
            unsure.setForeground(palette.placeholderText())
            unsure.setFontUnderline(True)
            unsure.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            cursor.insertText(" " if confirmed else "", firm)
            cursor.insertText(tentative, unsure)
        return document


class TranscriptView(QListWidget):
    """One row per turn of speech, with its start time and who spoke.

    The speaker is named in words ("Clinician", "Client") and, besides, the clinician's
    rows are set in the palette's accent colour and bold name: never colour alone.
    Follows the newest line only while the view is scrolled to the bottom, so reading an
    earlier passage is never interrupted by new speech.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Live transcript")
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setItemDelegate(PartialRowDelegate(self))
        self._rows: dict[str, QListWidgetItem] = {}
        self._is_scroll_pending = False
        self.hint = IDLE_HINT
        """What the empty view says: what to do, or that it is listening."""

    def speaker_brush(self, role: SpeakerRole) -> QBrush:
        """The clinician's rows in the palette's link colour, everyone else's in its text."""
        colour = (
            QPalette.ColorRole.Link if role is SpeakerRole.CLINICIAN else QPalette.ColorRole.Text
        )
        return QBrush(self.palette().color(colour))

    def changeEvent(self, event: QEvent) -> None:
        """A new palette (light or dark) recolours the rows already shown."""
        super().changeEvent(event)
        if event.type() is QEvent.Type.PaletteChange:
            for row in range(self.count()):
                item = self.item(row)
                role = item.data(SPEAKER_ROLE)
                item.setForeground(
                    self.palette().placeholderText()
                    if role is None
                    else self.speaker_brush(SpeakerRole(str(role)))
                )

    def set_hint(self, hint: str) -> None:
        """The empty state's text (shown only while there are no rows)."""
        self.hint = hint
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """An empty transcript says what to do instead of staying blank."""
        super().paintEvent(event)
        if self.count() or not self.hint:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        area = self.viewport().rect().adjusted(24, 24, -24, -24)
        flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop) | int(
            Qt.TextFlag.TextWordWrap
        )
        painter.drawText(QRect(area), flags, self.hint)
        painter.end()

    def clear_transcript(self) -> None:
        self.clear()
        self._rows.clear()

    def show_partial(self, item_id: str, confirmed: str, tentative: str = "") -> None:
        """Show or update the words so far of a turn still being spoken.

        `confirmed` are the words a second look agreed on; `tentative` the newest ones,
        which the next update may change.
        """
        follow = self._is_at_bottom()
        item = self._rows.get(item_id)
        if item is None:
            item = QListWidgetItem()
            item.setData(ITEM_ID_ROLE, item_id)
            self.addItem(item)
            self._rows[item_id] = item
        item.setText(partial_text(confirmed, tentative))
        item.setData(CONFIRMED_ROLE, confirmed)
        item.setData(TENTATIVE_ROLE, tentative)
        font = QFont(self.font())
        font.setItalic(True)
        item.setFont(font)
        item.setForeground(self.palette().placeholderText())
        self._follow(follow)

    def show_segment(self, segment: Segment) -> None:
        """Show a final segment, replacing its partial text if there was one.

        A new row goes where its start time puts it: turns are transcribed out of order
        now and then (a quick reply is finished before a long turn before it).
        """
        follow = self._is_at_bottom()
        item = self._rows.get(segment.item_id)
        if item is None:
            item = QListWidgetItem()
            item.setData(ITEM_ID_ROLE, segment.item_id)
            self.insertItem(self._row_for(segment.start_ms), item)
            self._rows[segment.item_id] = item
        item.setData(START_ROLE, segment.start_ms)
        self._fill(item, segment)
        self._follow(follow)

    def _row_for(self, start_ms: int) -> int:
        """The row before the first later segment (partial rows, with no time, stay last)."""
        for row in range(self.count()):
            at = self.item(row).data(START_ROLE)
            if at is None or int(at) > start_ms:
                return row
        return self.count()

    def relabel(self, segments: Iterable[Segment]) -> None:
        """Show new speakers for segments already on screen (the guess settled, or a swap)."""
        for segment in segments:
            item = self._rows.get(segment.item_id)
            if item is not None:
                self._fill(item, segment)

    def _fill(self, item: QListWidgetItem, segment: Segment) -> None:
        item.setData(CONFIRMED_ROLE, None)
        item.setData(TENTATIVE_ROLE, None)
        role = segment.speaker
        item.setText(f"[{clock(segment.start_ms)}]  {role.label}:  {segment.text}")
        item.setData(SPEAKER_ROLE, role.value)
        item.setToolTip(f"{role.label}, at {clock(segment.start_ms)}")
        font = QFont(self.font())
        font.setBold(role is SpeakerRole.CLINICIAN)
        item.setFont(font)
        item.setForeground(self.speaker_brush(role))

    def show_segments(self, segments: tuple[Segment, ...] | list[Segment]) -> None:
        self.clear_transcript()
        for segment in segments:
            self.show_segment(segment)

    def texts(self) -> list[str]:
        """What the rows say (used by tests and accessibility tools)."""
        return [self.item(i).text() for i in range(self.count())]

    def _is_at_bottom(self) -> bool:
        if self._is_scroll_pending:
            return True
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _follow(self, follow: bool) -> None:
        # Rows are laid out lazily, so scroll once the new row has its height.
        if follow and not self._is_scroll_pending:
            self._is_scroll_pending = True
            QTimer.singleShot(0, self, self._on_scroll_timer)

    def _on_scroll_timer(self) -> None:
        self._is_scroll_pending = False
        self.scrollToBottom()
