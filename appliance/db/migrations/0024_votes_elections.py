"""Owners' votes, second part: committee elections (a matter with seats and candidates), the
source of each unit's floor area on the roll (registered, else surveyed, else contract), and
tenants' written proxies (书面委托) that let a tenant vote on /me for the owner."""

atomic = True

STATEMENTS = [
    # kind: choice (赞成/反对/弃权) | election (approve up to ``seats`` of ``candidates``)
    "ALTER TABLE vote_matter ADD COLUMN kind VARCHAR(255) NOT NULL DEFAULT 'choice'",
    "ALTER TABLE vote_matter ADD COLUMN seats INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE vote_matter ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]'",
    # Where the unit's floor area came from when the roll was drawn: register | surveyed | contract
    "ALTER TABLE vote_roll ADD COLUMN area_source VARCHAR(255) NOT NULL DEFAULT 'register'",
    # The register keeps the other two areas so the roll can fall back to them (民法典 art. 278 counting).
    "ALTER TABLE unit ADD COLUMN surveyed_area_m2 DECIMAL(8, 2)",
    "ALTER TABLE unit ADD COLUMN contract_area_m2 DECIMAL(8, 2)",
    """CREATE TABLE vote_proxy (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        vote_id INTEGER NOT NULL REFERENCES vote (id) ON DELETE CASCADE,
        roll_id INTEGER NOT NULL REFERENCES vote_roll (id) ON DELETE CASCADE,
        resident_id INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
        document VARCHAR(255) NOT NULL,
        evidence VARCHAR(255) NOT NULL DEFAULT '',
        recorded_by VARCHAR(255) NOT NULL,
        recorded_at DATETIME NOT NULL,
        revoked_at DATETIME,
        revoked_by VARCHAR(255) NOT NULL DEFAULT '',
        revoke_reason VARCHAR(255) NOT NULL DEFAULT '')""",
    "CREATE INDEX vote_proxy_resident ON vote_proxy (vote_id, resident_id)",
    # One live proxy per unit of a vote: a second one needs the first revoked.
    "CREATE UNIQUE INDEX vote_proxy_live ON vote_proxy (vote_id, roll_id) WHERE revoked_at IS NULL",
]


def up(migrator, db):
    for sql in STATEMENTS:
        db.execute_sql(sql)
