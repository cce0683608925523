"""The centre's schema, as ordered, versioned migrations.

Each migration runs in its own transaction and is recorded in ``schema_migrations``; a second
``talon central init`` finds every version recorded and changes nothing. New migrations go at the
END of :data:`MIGRATIONS` with the next number; a recorded one is never edited.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

#: (version, name, SQL). Append only.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "offices, hub keys and pairing codes", """
    CREATE TABLE offices (
        id               text PRIMARY KEY,
        name             text NOT NULL DEFAULT '',
        log_identity     text,                      -- set by the first batch; a different one is refused
        high_water_mark  bigint NOT NULL DEFAULT 0, -- every seq 1..hwm is stored
        projected_seq    bigint NOT NULL DEFAULT 0, -- projections are built from events up to here
        last_batch_at    timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE hub_keys (
        key_hash    text PRIMARY KEY,               -- sha256 of the key; the key itself is never stored
        office      text NOT NULL REFERENCES offices(id),
        name        text NOT NULL DEFAULT '',
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz
    );
    CREATE INDEX hub_keys_office ON hub_keys (office);
    CREATE TABLE pairing_codes (
        code_hash   text PRIMARY KEY,
        office      text NOT NULL REFERENCES offices(id),
        name        text NOT NULL DEFAULT '',
        expires_at  timestamptz NOT NULL
    );
    """),
    (2, "the shipped event logs", """
    CREATE TABLE events (
        office       text NOT NULL REFERENCES offices(id),
        seq          bigint NOT NULL CHECK (seq > 0),
        log_identity text NOT NULL,
        type         text NOT NULL,
        at           double precision NOT NULL,
        day          date,
        data         jsonb NOT NULL,
        view         jsonb NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (office, seq)
    );
    CREATE INDEX events_office_day ON events (office, day, seq);
    """),
    (3, "projections: tickets, segments, daily roll-ups per office, day and service", """
    CREATE TABLE tickets (
        office text NOT NULL, id bigint NOT NULL, day date NOT NULL, service text, letter text,
        number integer, code text, state text, source text, client_type text, individual boolean,
        priority integer, issued_at double precision, queued_at double precision,
        called_at double precision, started_at double precision, ended_at double precision,
        "window" integer, operator text, recalls integer, outcome text,
        estimate_low double precision, estimate_high double precision, first_service text,
        PRIMARY KEY (office, id)
    );
    CREATE INDEX tickets_office_day ON tickets (office, day);
    CREATE TABLE segments (
        office text NOT NULL, ticket bigint NOT NULL, idx integer NOT NULL, day date NOT NULL,
        service text, queued_at double precision, called_at double precision,
        started_at double precision, ended_at double precision, "window" integer, operator text,
        outcome text, recalls integer, phases jsonb, level text,
        PRIMARY KEY (office, ticket, idx)
    );
    CREATE INDEX segments_office_day ON segments (office, day);
    CREATE TABLE day_services (
        office text NOT NULL, day date NOT NULL, service text NOT NULL,
        visits integer NOT NULL,            -- tickets whose first segment is of this service
        segments integer NOT NULL, served integer NOT NULL,
        wait_count integer NOT NULL, wait_sum double precision NOT NULL, wait_max double precision,
        service_count integer NOT NULL, service_sum double precision NOT NULL, service_max double precision,
        no_show integer NOT NULL, cancelled integer NOT NULL, transferred integer NOT NULL,
        escalated integer NOT NULL, postponed integer NOT NULL, resolved integer NOT NULL,
        unfinished integer NOT NULL, recalls integer NOT NULL,
        events bigint NOT NULL,             -- the day's last seq taken into this roll-up
        rebuilt_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (office, day, service)
    );
    CREATE TABLE projected_days (
        office text NOT NULL, day date NOT NULL, upto_seq bigint NOT NULL, events integer NOT NULL,
        rebuilt_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (office, day)
    );
    """),
    (4, "the company's staff, their sessions, and each office's region", """
    ALTER TABLE offices ADD COLUMN IF NOT EXISTS region text;
    CREATE TABLE staff (
        login          text PRIMARY KEY,
        name           text NOT NULL,
        password_hash  text NOT NULL,               -- the hub's scheme (server/auth.py)
        role           text NOT NULL CHECK (role IN ('company_admin', 'regional_head', 'office_head')),
        regions        text[] NOT NULL DEFAULT '{}', -- a regional head's regions
        offices        text[] NOT NULL DEFAULT '{}', -- an office head's offices
        active         boolean NOT NULL DEFAULT true,
        created_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE staff_sessions (
        token_hash  text PRIMARY KEY,               -- sha256 of the session token
        login       text NOT NULL REFERENCES staff(login) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL
    );
    CREATE INDEX staff_sessions_login ON staff_sessions (login);
    """),
    (10, "log epochs: an office's log continued from another database, accepted by an administrator", """
    ALTER TABLE offices ADD COLUMN IF NOT EXISTS epoch integer NOT NULL DEFAULT 1;
    ALTER TABLE offices ADD COLUMN IF NOT EXISTS fork_check_upto bigint NOT NULL DEFAULT 0;
    ALTER TABLE events ADD COLUMN IF NOT EXISTS epoch integer NOT NULL DEFAULT 1;
    ALTER TABLE events DROP CONSTRAINT events_pkey;
    ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (office, epoch, seq);
    CREATE TABLE office_logs (
        office       text NOT NULL REFERENCES offices(id),
        epoch        integer NOT NULL,
        log_identity text NOT NULL,
        base_seq     bigint,            -- seqs 1..base_seq of this log are the previous log's (NULL: not known yet)
        accepted_at  timestamptz NOT NULL DEFAULT now(),
        accepted_by  text NOT NULL DEFAULT '',
        PRIMARY KEY (office, epoch)
    );
    INSERT INTO office_logs (office, epoch, log_identity, base_seq, accepted_at)
        SELECT id, 1, log_identity, 0, coalesce(last_batch_at, created_at) FROM offices WHERE log_identity IS NOT NULL;
    """),
    (5, "offices' configuration history and the day roll-up the consolidated reports read", """
    CREATE TABLE office_configs (
        office      text NOT NULL REFERENCES offices(id),
        valid_from  double precision NOT NULL,     -- the office's clock when the settings took effect
        hash        text NOT NULL,                 -- sha256 of the settings' canonical JSON
        tz          text NOT NULL,                 -- the office's time zone (its report day)
        settings    jsonb NOT NULL,                -- what the office's reports read of its settings
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (office, valid_from)
    );
    CREATE TABLE day_figures (
        office text NOT NULL, day date NOT NULL,
        segments integer NOT NULL, served integer NOT NULL,
        wait_count integer NOT NULL, wait_sum double precision NOT NULL, wait_max double precision,
        wait_normed integer NOT NULL, wait_within integer NOT NULL,
        service_count integer NOT NULL, service_sum double precision NOT NULL, service_max double precision,
        service_normed integer NOT NULL, service_within integer NOT NULL,
        no_show integer NOT NULL, cancelled integer NOT NULL, transferred integer NOT NULL,
        escalated integer NOT NULL, postponed integer NOT NULL, resolved integer NOT NULL,
        unfinished integer NOT NULL, recalls integer NOT NULL,
        v_issued integer NOT NULL, v_served integer NOT NULL, v_time_sum double precision NOT NULL,
        v_time_max double precision, v_over_norm integer NOT NULL, v_resolved integer NOT NULL,
        v_no_show integer NOT NULL, v_cancelled integer NOT NULL, v_unfinished integer NOT NULL,
        r_count integer NOT NULL, r_sum integer NOT NULL, r_s1 integer NOT NULL, r_s2 integer NOT NULL,
        r_s3 integer NOT NULL, r_s4 integer NOT NULL, r_s5 integer NOT NULL, r_with_comment integer NOT NULL,
        pauses integer NOT NULL, pause_seconds double precision NOT NULL,
        config_hash text,                          -- the settings the norms were taken from (NULL: none yet)
        rebuilt_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (office, day)
    );
    """),
    (6, "the company catalogue: published versions and what each office pulled", """
    CREATE TABLE catalogue_versions (
        version       integer PRIMARY KEY CHECK (version > 0),  -- 1, 2, 3 …: each publish is the next
        content       jsonb NOT NULL,                          -- server/central/catalogue.py, checked
        hash          text NOT NULL,                           -- sha256 of the canonical JSON
        published_at  timestamptz NOT NULL DEFAULT now(),
        published_by  text NOT NULL DEFAULT ''
    );
    CREATE TABLE catalogue_pulls (
        office     text PRIMARY KEY REFERENCES offices(id),
        version    integer NOT NULL,                           -- the version last handed to the office's hub
        pulled_at  timestamptz NOT NULL DEFAULT now()
    );
    """),
    (9, "the catalogue version each office holds (the hub says it with every pull)", """
    ALTER TABLE catalogue_pulls ADD COLUMN IF NOT EXISTS applied integer NOT NULL DEFAULT 0;
    """),
    (11, "how many accounts a segment's request covers (a per-account norm scales with it, 001:841)", """
    ALTER TABLE segments ADD COLUMN IF NOT EXISTS accounts integer NOT NULL DEFAULT 1;
    """),
    (12, "the casework (004:206) and survey events the consolidated reports count, indexed apart from the queue's", """
    CREATE INDEX IF NOT EXISTS events_casework ON events (office, day)
        WHERE type IN ('visit.requested', 'visit.done', 'visit.refused', 'request.registered', 'request.answered',
                       'survey.answered');
    """),
    (13, "public pages (issue 18): tickets found by their token's hash; offices' heartbeats; no plain token kept", """
    UPDATE events SET data = jsonb_set(data, '{token}',
                                       to_jsonb('sha256:' || encode(sha256(convert_to(data->>'token', 'UTF8')), 'hex')))
        WHERE type = 'ticket.issued' AND jsonb_typeof(data->'token') = 'string'
          AND left(data->>'token', 7) <> 'sha256:';
    CREATE INDEX IF NOT EXISTS events_ticket_token ON events ((data->>'token')) WHERE type = 'ticket.issued';
    CREATE TABLE IF NOT EXISTS office_contact (
        office       text PRIMARY KEY REFERENCES offices(id),
        heartbeat_at timestamptz NOT NULL
    );
    """),
    (14, "answers given at the public pages (issue 18): held until the office's hub pulls and acknowledges them", """
    CREATE TABLE IF NOT EXISTS public_answers (
        id         bigserial PRIMARY KEY,                    -- the answer's id: the hub applies it once
        office     text NOT NULL REFERENCES offices(id),
        ticket     bigint NOT NULL,
        day        date NOT NULL,
        kind       text NOT NULL CHECK (kind IN ('rating', 'survey')),
        body       jsonb NOT NULL,
        given_at   timestamptz NOT NULL DEFAULT now(),
        acked_at   timestamptz,                              -- the hub applied or refused it: not sent again
        outcome    text,
        UNIQUE (office, ticket, kind)
    );
    CREATE INDEX IF NOT EXISTS public_answers_waiting ON public_answers (office, id) WHERE acked_at IS NULL;
    """),
]


def apply(conn) -> list[int]:
    """Apply the migrations not yet recorded, each in a transaction; answers the versions applied.

    ``conn`` is a psycopg connection in autocommit mode; an advisory lock keeps two ``init``
    runs at once from applying the same migration twice."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                 "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
    applied = []
    for version, name, sql in MIGRATIONS:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7470001)")
            if conn.execute("SELECT 1 FROM schema_migrations WHERE version = %s", (version,)).fetchone():
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
            applied.append(version)
            log.info("central schema: migration %d applied (%s)", version, name)
    return applied
