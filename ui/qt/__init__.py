"""The Qt desktop app. The only package of Himaya that imports PySide6."""
