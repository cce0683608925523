"""Rules of server/domain/estimate.py, pinned for mutation testing (issue 20): filled in this session."""
