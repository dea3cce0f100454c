/**
 * The store's schema as an ordered list of migrations. `PRAGMA user_version` holds the
 * version of a file; opening an older file applies the missing steps in one transaction.
 */

export const MIGRATIONS: readonly string[] = [
  // 1: jobs and their state history.
  `
  CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    scheduler TEXT NOT NULL,
    scheduler_job_id TEXT,
    state TEXT NOT NULL,
    state_detail TEXT,
    created_at INTEGER NOT NULL,
    submitted_at INTEGER,
    started_at INTEGER,
    finished_at INTEGER,
    exit_code INTEGER,
    failure_reason TEXT,
    name TEXT,
    command_json TEXT NOT NULL,
    command_display TEXT NOT NULL,
    cwd TEXT NOT NULL,
    job_dir TEXT NOT NULL,
    metadata_json TEXT NOT NULL,
    request_json TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    lineage_id TEXT NOT NULL,
    previous_attempt_id TEXT,
    last_polled INTEGER
  );
  CREATE INDEX jobs_cluster_state ON jobs (cluster, state);
  CREATE INDEX jobs_state_submitted ON jobs (state, submitted_at);
  CREATE INDEX jobs_lineage ON jobs (lineage_id, attempt);
  CREATE TABLE transitions (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    from_state TEXT,
    to_state TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT
  );
  CREATE INDEX transitions_job ON transitions (job_id, id);
  `,
  // 2: run labels, arrays, retries' backoff, "lost" bookkeeping, dependencies, clusters.
  `
  ALTER TABLE jobs ADD COLUMN run_label TEXT;
  ALTER TABLE jobs ADD COLUMN array_job_id TEXT;
  ALTER TABLE jobs ADD COLUMN array_task_id TEXT;
  ALTER TABLE jobs ADD COLUMN not_before INTEGER;
  ALTER TABLE jobs ADD COLUMN missing_since INTEGER;
  ALTER TABLE jobs ADD COLUMN missing_polls INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX jobs_created ON jobs (created_at);
  CREATE INDEX jobs_run_label ON jobs (run_label, created_at);
  CREATE INDEX jobs_array ON jobs (array_job_id, array_task_id);
  CREATE TABLE dependencies (
    job_id TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    upstream_job_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (job_id, upstream_job_id, kind)
  );
  CREATE INDEX dependencies_upstream ON dependencies (upstream_job_id);
  CREATE TABLE clusters (
    name TEXT PRIMARY KEY,
    scheduler TEXT NOT NULL,
    last_poll_at INTEGER,
    last_poll_error TEXT,
    last_poll_error_at INTEGER,
    poll_lease_owner TEXT,
    poll_lease_until INTEGER
  );
  CREATE TABLE scheduler_calls (
    cluster TEXT NOT NULL,
    at INTEGER NOT NULL,
    calls INTEGER NOT NULL
  );
  CREATE INDEX scheduler_calls_cluster_at ON scheduler_calls (cluster, at);
  `,
  // 3: many hosts: the host of local jobs, who holds a poll lease, facts about the store
  // itself, the SSH links to remote clusters with the connections opened, and the
  // `molq daemon` lease (one row: who runs the daemon for this store, across hosts).
  `
  ALTER TABLE jobs ADD COLUMN host TEXT;
  ALTER TABLE jobs ADD COLUMN boot_id TEXT;
  ALTER TABLE clusters ADD COLUMN poll_lease_host TEXT;
  ALTER TABLE clusters ADD COLUMN poll_lease_pid INTEGER;
  CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE ssh_links (
    cluster TEXT PRIMARY KEY,
    last_connect_at INTEGER,
    session_limit INTEGER,
    link_state TEXT,
    link_error TEXT,
    link_error_at INTEGER
  );
  CREATE TABLE ssh_connects (
    cluster TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX ssh_connects_cluster_at ON ssh_connects (cluster, at);
  CREATE INDEX jobs_scheduler_host ON jobs (scheduler, host);
  CREATE TABLE daemon_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT,
    host TEXT,
    pid INTEGER,
    since INTEGER,
    heartbeat INTEGER,
    beats INTEGER NOT NULL DEFAULT 0,
    heartbeat_ms INTEGER,
    interval_ms INTEGER,
    log_path TEXT,
    released_at INTEGER,
    stop_generation INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO daemon_lease (id) VALUES (1);
  `,
  // 4: what finished jobs used (re-read until the figures settle, then left alone), and
  // their end notifications: one row per job at most, claimed in the transaction that
  // records the final state, with the attempts made to deliver it.
  `
  CREATE TABLE job_usage (
    job_id TEXT PRIMARY KEY REFERENCES jobs (job_id) ON DELETE CASCADE,
    usage_json TEXT,
    created_at INTEGER NOT NULL,
    reads INTEGER NOT NULL DEFAULT 0,
    last_read_at INTEGER,
    settled_at INTEGER
  );
  CREATE INDEX job_usage_unsettled ON job_usage (job_id) WHERE settled_at IS NULL;
  CREATE TABLE notifications (
    job_id TEXT PRIMARY KEY REFERENCES jobs (job_id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    claimed_by TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    next_attempt_at INTEGER,
    last_attempt_at INTEGER,
    done_at INTEGER,
    error TEXT
  );
  CREATE INDEX notifications_pending ON notifications (job_id) WHERE status = 'pending';
  `,
  // 5: a counter that moves with every change to a job or its usage, by whoever makes it,
  // so a dashboard can tell "nothing changed" from the poll bookkeeping every pass writes.
  `
  CREATE TABLE job_changes (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
  INSERT INTO job_changes (id, version) VALUES (1, 0);
  CREATE TRIGGER jobs_inserted AFTER INSERT ON jobs
    BEGIN UPDATE job_changes SET version = version + 1; END;
  CREATE TRIGGER jobs_updated AFTER UPDATE ON jobs
    BEGIN UPDATE job_changes SET version = version + 1; END;
  CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs
    BEGIN UPDATE job_changes SET version = version + 1; END;
  CREATE TRIGGER job_usage_inserted AFTER INSERT ON job_usage
    BEGIN UPDATE job_changes SET version = version + 1; END;
  CREATE TRIGGER job_usage_updated AFTER UPDATE ON job_usage
    BEGIN UPDATE job_changes SET version = version + 1; END;
  `,
  // 6: listings page through (created_at, job_id) with a row-value bound; with a state
  // filter each page searches each state's range below the bound instead of sorting every
  // matching row again. The state index it replaces served state lookups only.
  `
  CREATE INDEX jobs_created_id ON jobs (created_at, job_id);
  CREATE INDEX jobs_state_created ON jobs (state, created_at, job_id);
  DROP INDEX jobs_created;
  DROP INDEX jobs_state_submitted;
  `,
  // 7: the request figures every reconcile pass reads (job_row.ts), beside request_json, so
  // a pass over 10,000 active jobs parses no JSON.
  `
  ALTER TABLE jobs ADD COLUMN request_time_limit_seconds INTEGER;
  ALTER TABLE jobs ADD COLUMN request_array TEXT;
  ALTER TABLE jobs ADD COLUMN request_memory_bytes INTEGER;
  UPDATE jobs SET
    request_time_limit_seconds = json_extract(request_json, '$.resources.timeLimitSeconds'),
    request_array = json_extract(request_json, '$.scheduling.array'),
    request_memory_bytes = json_extract(request_json, '$.resources.memoryBytes');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
