"""Rules of server/domain/rota.py, pinned for mutation testing (issue 20): filled in this session."""
