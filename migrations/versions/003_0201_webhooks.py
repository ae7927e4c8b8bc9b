"""webhooks: endpoints that follow the map, and a durable delivery queue

Step 3. Revision ID: 0201_webhooks
Revises: 0002 (step 2)

The id is out of sequence: this migration was written on the branch of issue 20 (feeds and webhooks) on top of
0001 while 0002 was written on another branch; the merge put it after 0002, and 0003 was written on top of it.
Databases record the id in alembic_version, so it stays; the file name's step number says where it runs.
"""
from alembic import op

revision = '0201_webhooks'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A delivery row is queued in the same transaction as the publish (a revision), so a publish is never
    # announced without being committed and never committed without being announced. Secrets are kept in
    # clear: they are needed to sign each body (HMAC), like any webhook sender.
    op.execute("""
    CREATE TABLE webhook_endpoints (
        id serial PRIMARY KEY,
        url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
        secret text NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
        factions text[],
        place_slug text,
        km double precision NOT NULL DEFAULT 0 CHECK (km >= 0 AND km <= 500),
        allow_private boolean NOT NULL DEFAULT false,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE webhook_deliveries (
        id bigserial PRIMARY KEY,
        endpoint_id integer NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        revision_id integer NOT NULL REFERENCES revisions(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_status integer,
        last_error text,
        body bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        UNIQUE (endpoint_id, revision_id)
    );
    CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX ix_revisions_created_at ON revisions (created_at);
    """)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_revisions_created_at; DROP TABLE webhook_deliveries; DROP TABLE webhook_endpoints;")
