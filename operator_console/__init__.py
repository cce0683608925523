"""The operator console (PySide6): one service window, worked from the keyboard. See docs/console.md."""
