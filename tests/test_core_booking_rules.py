"""Rules of server/domain/booking.py, pinned for mutation testing (issue 20): filled in this session."""
