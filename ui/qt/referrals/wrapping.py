"""Tree rows as tall as their wrapped text.

A ``QTreeView`` asks its delegate for a row's size with a rectangle of no height, which
Qt's style reads as "no width either": a long name or title is then cut to the lines it has
explicitly. This delegate measures the chosen columns at their real width. Columns sized
to their contents must not be among them (they would shrink to fit their own wrapped text).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, QTimer
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeWidget


class WrappingDelegate(QStyledItemDelegate):
    def __init__(self, tree: QTreeWidget, columns: tuple[int, ...]) -> None:
        super().__init__(tree)
        self.tree = tree
        self.columns = columns
        self._relayout = QTimer(tree, singleShot=True, interval=0)
        self._relayout.timeout.connect(tree.doItemsLayout)
        # A column made narrower or wider changes how many lines each row needs.
        tree.header().sectionResized.connect(lambda *_args: self._relayout.start())

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 - Qt API
        if index.column() not in self.columns:
            return super().sizeHint(option, index)
        option = QStyleOptionViewItem(option)
        width = self.tree.columnWidth(index.column())
        if index.column() == 0 and index.parent().isValid():
            width -= self.tree.indentation()
        option.rect.setWidth(max(width, 1))
        option.rect.setHeight(max(option.rect.height(), 1))
        return super().sizeHint(option, index)


def wrap_columns(tree: QTreeWidget, *columns: int) -> None:
    tree.setWordWrap(True)
    tree.setUniformRowHeights(False)
    tree.setItemDelegate(WrappingDelegate(tree, columns))
