"""Schema migrations (``sqlite_utils.Migrations``): append new steps, never edit applied ones."""
from sqlite_utils import Migrations

migrations = Migrations("talon")


@migrations()
def m001_initial(db):
    db.execute("""CREATE TABLE offices (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, company TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL, profile_overrides TEXT NOT NULL DEFAULT '{}',
        schedule TEXT NOT NULL, texts TEXT NOT NULL DEFAULT '{}', settings TEXT NOT NULL DEFAULT '{}')""")
    db.execute("""CREATE TABLE services (
        office TEXT NOT NULL REFERENCES offices(id), id TEXT NOT NULL, letter TEXT NOT NULL,
        name TEXT NOT NULL, hint TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,
        client_type TEXT NOT NULL DEFAULT 'any', checklist TEXT NOT NULL DEFAULT '[]',
        until TEXT, active INTEGER NOT NULL DEFAULT 1, ord INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (office, id), UNIQUE (office, letter))""")
    db.execute("""CREATE TABLE windows (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL REFERENCES offices(id), number INTEGER NOT NULL,
        zone TEXT NOT NULL DEFAULT '', level TEXT NOT NULL DEFAULT 'specialist',
        services TEXT NOT NULL DEFAULT '{}', state TEXT NOT NULL DEFAULT 'closed',
        pause_reason TEXT, since REAL, operator TEXT, ticket INTEGER,
        UNIQUE (office, number))""")
    db.execute("""CREATE TABLE users (
        login TEXT PRIMARY KEY, name TEXT NOT NULL, password_hash TEXT NOT NULL, pin_hash TEXT,
        roles TEXT NOT NULL, office TEXT, active INTEGER NOT NULL DEFAULT 1)""")
    db.execute("""CREATE TABLE devices (
        id TEXT PRIMARY KEY, office TEXT NOT NULL REFERENCES offices(id), kind TEXT NOT NULL,
        name TEXT NOT NULL, pairing_code_hash TEXT, pairing_expires REAL, paired_at REAL,
        last_seen REAL, status TEXT NOT NULL DEFAULT '{}')""")
    db.execute("""CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY, login TEXT, device TEXT, roles TEXT NOT NULL, office TEXT,
        created REAL NOT NULL, expires REAL NOT NULL)""")
    db.execute("""CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, office TEXT NOT NULL, day TEXT, type TEXT NOT NULL,
        at REAL NOT NULL, data TEXT NOT NULL, view TEXT NOT NULL DEFAULT '{}')""")
    db.execute("CREATE INDEX events_office_seq ON events (office, seq)")
    db.execute("CREATE INDEX events_office_type ON events (office, type, seq)")
    db.execute("""CREATE TABLE tickets (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL, day TEXT NOT NULL, service TEXT NOT NULL,
        letter TEXT NOT NULL, number INTEGER NOT NULL, code TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL, source TEXT NOT NULL, client_type TEXT NOT NULL, individual INTEGER NOT NULL,
        priority INTEGER NOT NULL, issued_at REAL NOT NULL, queued_at REAL NOT NULL, called_at REAL,
        started_at REAL, ended_at REAL, window INTEGER, operator TEXT, recalls INTEGER NOT NULL,
        outcome TEXT, estimate_low REAL, estimate_high REAL, first_service TEXT NOT NULL,
        UNIQUE (office, day, letter, number))""")
    db.execute("CREATE INDEX tickets_office_day ON tickets (office, day)")
    db.execute("""CREATE TABLE segments (
        ticket INTEGER NOT NULL REFERENCES tickets(id), idx INTEGER NOT NULL, office TEXT NOT NULL,
        day TEXT NOT NULL, service TEXT NOT NULL, queued_at REAL NOT NULL, called_at REAL,
        started_at REAL, ended_at REAL, window INTEGER, operator TEXT, outcome TEXT,
        recalls INTEGER NOT NULL DEFAULT 0, phases TEXT NOT NULL DEFAULT '{}', level TEXT NOT NULL,
        PRIMARY KEY (ticket, idx))""")
    db.execute("CREATE INDEX segments_office_day ON segments (office, day)")
    db.execute("""CREATE TABLE idempotency (
        office TEXT NOT NULL, key TEXT NOT NULL, ticket INTEGER NOT NULL, request TEXT NOT NULL,
        created REAL NOT NULL, PRIMARY KEY (office, key))""")
    db.execute("""CREATE TABLE incidents (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL, device TEXT, kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '', opened_at REAL NOT NULL, closed_at REAL)""")
    db.execute("""CREATE TABLE ratings (
        ticket INTEGER PRIMARY KEY REFERENCES tickets(id), office TEXT NOT NULL, day TEXT NOT NULL,
        score INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT '', service TEXT, window INTEGER,
        operator TEXT, at REAL NOT NULL)""")
    db.execute("""CREATE TABLE alert_acks (
        office TEXT NOT NULL, alert TEXT NOT NULL, login TEXT, at REAL NOT NULL,
        PRIMARY KEY (office, alert))""")


@migrations()
def m002_site_keys(db):
    """Secrets the hub keeps across restarts (e.g. ``visitor``: signs the desk rating QR codes)."""
    db.execute("""CREATE TABLE IF NOT EXISTS site_keys (
        name TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)""")


@migrations()
def m003_report_months(db):
    """The reports' cache of closed months (server/reports/cache.py): a month's sums for the
    yearly pack, kept once the office has moved past the month; ``fingerprint`` names the norms
    and rules they were counted with, ``tickets`` the month's ticket count (a check)."""
    db.execute("""CREATE TABLE IF NOT EXISTS report_months (
        office TEXT NOT NULL, month TEXT NOT NULL, fingerprint TEXT NOT NULL, tickets INTEGER NOT NULL,
        data TEXT NOT NULL, made REAL NOT NULL, PRIMARY KEY (office, month))""")


@migrations()
def m004_log_identity(db):
    """``meta``: facts about the file itself. ``log`` is the identity of the event log: a random id
    made when the file is created (or first migrated); a restore from a backup makes a new one
    (``Store.new_log_identity``), so a client that knew another life of the file reloads."""
    import secrets
    import time
    db.execute("""CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY, value TEXT NOT NULL, updated REAL NOT NULL)""")
    db.execute("INSERT OR IGNORE INTO meta (key, value, updated) VALUES ('log', ?, ?)",
               (secrets.token_hex(16), time.time()))


@migrations()
def m005_break_rota(db):
    """``rotas``: the office's planned lunches and breaks per window (server/domain/rota.py JSON),
    set on the stand (001:353: breaks are never taken all at once); ``by`` who set it last."""
    db.execute("""CREATE TABLE IF NOT EXISTS rotas (
        office TEXT PRIMARY KEY, rota TEXT NOT NULL, updated REAL NOT NULL, by TEXT)""")


@migrations()
def m006_company_catalogue(db):
    """``catalogue_state``: the company catalogue's version this office applied last (its office view
    as JSON, what the stand's provenance labels compare with) and the last version refused (the
    reason shown on the stand). server/store/catalogue.py, server/catalogue_pull.py."""
    db.execute("""CREATE TABLE IF NOT EXISTS catalogue_state (
        office TEXT PRIMARY KEY, version INTEGER, hash TEXT, content TEXT, applied_at REAL,
        refused_version INTEGER, refused_hash TEXT, refused_error TEXT, refused_at REAL)""")


@migrations()
def m009_survey(db):
    """``survey_answers``: the visitor questionnaire of 000:622–762 (server/domain/survey.py), one
    row per chosen option of a visit (a question with several answers has several rows); stored
    once per visit (server/store/survey.py), with no personal data: the ticket, the question's id
    and the option's id only."""
    db.execute("""CREATE TABLE IF NOT EXISTS survey_answers (
        ticket INTEGER NOT NULL, question TEXT NOT NULL, office TEXT NOT NULL, day TEXT NOT NULL,
        answer TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (ticket, question, answer))""")
    db.execute("CREATE INDEX IF NOT EXISTS survey_answers_office_day ON survey_answers (office, day)")


@migrations()
def m009b_segment_accounts(db):
    """``segments.accounts``: how many accounts the request of a segment covers (the operator's
    entry); a per-account norm scales with it (001:841)."""
    cols = {r[1] for r in db.execute("PRAGMA table_info(segments)").fetchall()}
    if "accounts" not in cols:
        db.execute("ALTER TABLE segments ADD COLUMN accounts INTEGER NOT NULL DEFAULT 1")


@migrations()
def m008_casework(db):
    """Casework (server/store/casework.py): ``home_visits`` (000:348, 002:170) and
    ``written_requests`` (обращения, претензии, жалобы: 004:206). Names, phones, addresses and
    contacts live only here and are blanked when the keeping period ends (``forgotten``)."""
    db.execute("""CREATE TABLE IF NOT EXISTS home_visits (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL, created REAL NOT NULL, day TEXT NOT NULL,
        channel TEXT NOT NULL, reason TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL,
        address TEXT NOT NULL, consent_at REAL NOT NULL, lives_alone INTEGER NOT NULL,
        disability INTEGER NOT NULL, over_65 INTEGER NOT NULL, state TEXT NOT NULL,
        scheduled_for TEXT, refusal TEXT, closed REAL, closed_day TEXT, updated REAL NOT NULL, by TEXT,
        forgotten REAL)""")
    db.execute("CREATE INDEX IF NOT EXISTS home_visits_office_day ON home_visits (office, day)")
    db.execute("""CREATE TABLE IF NOT EXISTS written_requests (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL, created REAL NOT NULL, day TEXT NOT NULL,
        kind TEXT NOT NULL, channel TEXT NOT NULL, subject TEXT NOT NULL, name TEXT NOT NULL,
        contact TEXT NOT NULL, consent_at REAL NOT NULL, due TEXT NOT NULL, term_days INTEGER NOT NULL,
        term_working INTEGER NOT NULL, term_source TEXT NOT NULL, state TEXT NOT NULL,
        answered REAL, answered_day TEXT, closed REAL, updated REAL NOT NULL, by TEXT, forgotten REAL)""")
    db.execute("CREATE INDEX IF NOT EXISTS written_requests_office_day ON written_requests (office, day)")


@migrations()
def m008b_personal_data(db):
    """``personal_data_access``: who read, made, changed or blanked the personal data of a casework
    record, and when (152-ФЗ practice); ``casework_settings``: the office's keeping period."""
    db.execute("""CREATE TABLE IF NOT EXISTS personal_data_access (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL, at REAL NOT NULL, login TEXT NOT NULL,
        record_kind TEXT NOT NULL, record INTEGER NOT NULL, action TEXT NOT NULL, fields TEXT NOT NULL DEFAULT '')""")
    db.execute("CREATE INDEX IF NOT EXISTS personal_data_access_record ON personal_data_access "
               "(office, record_kind, record)")
    db.execute("""CREATE TABLE IF NOT EXISTS casework_settings (
        office TEXT PRIMARY KEY, personal_data_days INTEGER NOT NULL, updated REAL NOT NULL, by TEXT)""")


@migrations()
def m007_bookings(db):
    """``bookings``: appointments (issue 16, server/store/bookings.py). The visitor's name and phone
    live only here (never in events, the board or the visitor's page; the ticket carries the code);
    ``forget_personal_data`` blanks them once the slot is long past. ``state``: booked, arrived,
    cancelled (released is computed on read); ``ticket`` the ticket check-in made."""
    db.execute("""CREATE TABLE IF NOT EXISTS bookings (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL, code TEXT NOT NULL, service TEXT NOT NULL,
        day TEXT NOT NULL, slot_start REAL NOT NULL, slot_end REAL NOT NULL, name TEXT NOT NULL,
        phone TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'booked', ticket INTEGER,
        idem_key TEXT, request TEXT, created REAL NOT NULL, updated REAL NOT NULL,
        arrived_at REAL, UNIQUE (office, code), UNIQUE (office, idem_key))""")
    db.execute("CREATE INDEX IF NOT EXISTS bookings_slot ON bookings (office, service, slot_start)")
    db.execute("CREATE INDEX IF NOT EXISTS bookings_day ON bookings (office, day)")


@migrations()
def m011_central_answers(db):
    """``central_answers``: the answers given at the company centre's public page (a rating, a
    questionnaire) that this hub pulled and applied (server/central_pull.py): the centre's answer
    id, once - written in the same transaction as the ``rating.given`` / ``survey.answered`` event
    it made, or with ``refused:<code>`` when the hub's rules refused it (issue 18 point 1)."""
    db.execute("""CREATE TABLE IF NOT EXISTS central_answers (
        id INTEGER PRIMARY KEY, office TEXT NOT NULL, ticket INTEGER NOT NULL, kind TEXT NOT NULL,
        outcome TEXT NOT NULL, applied REAL NOT NULL)""")
