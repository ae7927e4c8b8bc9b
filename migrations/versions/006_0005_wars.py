"""wars: several wars per database, each in its own schema; IANA time zones; ongoing wars

A war is a row of `wars`; its tables live in its own PostgreSQL schema (app/store/wars.py creates it from the
models). The tables already in `public` stay there and are the first war's: a database from before wars becomes
that war without a row of its data moving, so every public response of it stays byte for byte the same. Editors
of that database keep editing it (war_editors). New columns of `dataset`: `time_zone` (an IANA name; NULL keeps
the fixed offset), `end_at` may be NULL (the war is going on), `opens_at` (where the viewer opens).

A later migration that changes a war's tables must change them in every war's schema (SELECT schema FROM wars).

Step 6. Revision ID: 0005
Revises: 0004 (step 5)
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE wars (
        id serial CONSTRAINT pk_wars PRIMARY KEY,
        slug varchar(64) NOT NULL CONSTRAINT uq_wars_slug UNIQUE,
        schema varchar(63) NOT NULL CONSTRAINT uq_wars_schema UNIQUE,
        is_default boolean NOT NULL DEFAULT false,
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_wars_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$')
    );
    CREATE UNIQUE INDEX ix_wars_one_default ON wars (is_default) WHERE is_default;
    CREATE TABLE war_editors (
        user_id integer NOT NULL CONSTRAINT fk_war_editors_user_id_users REFERENCES users(id) ON DELETE CASCADE,
        war_id integer NOT NULL CONSTRAINT fk_war_editors_war_id_wars REFERENCES wars(id) ON DELETE CASCADE,
        CONSTRAINT pk_war_editors PRIMARY KEY (user_id, war_id)
    );
    ALTER TABLE dataset ADD COLUMN time_zone text;
    ALTER TABLE dataset ALTER COLUMN end_at DROP NOT NULL;
    ALTER TABLE dataset ADD COLUMN opens_at varchar(8) NOT NULL DEFAULT 'start'
        CONSTRAINT ck_dataset_opens_at CHECK (opens_at IN ('start', 'latest'));
    -- Ending or reopening a war is a revision of its own (its period changes what readers see).
    ALTER TABLE revisions DROP CONSTRAINT ck_revisions_kind;
    ALTER TABLE revisions ADD CONSTRAINT ck_revisions_kind CHECK (kind IN ('load', 'change', 'revert', 'import', 'period'));
    -- The data set already here is the default war, in public; its editors edit it.
    INSERT INTO wars (slug, schema, is_default) SELECT slug, 'public', true FROM dataset LIMIT 1;
    INSERT INTO war_editors (user_id, war_id) SELECT u.id, w.id FROM users u, wars w WHERE u.role = 'editor';
    """)


def downgrade() -> None:
    op.execute("""
    DELETE FROM revisions WHERE kind = 'period';
    ALTER TABLE revisions DROP CONSTRAINT ck_revisions_kind;
    ALTER TABLE revisions ADD CONSTRAINT ck_revisions_kind CHECK (kind IN ('load', 'change', 'revert', 'import'));
    ALTER TABLE dataset DROP COLUMN opens_at;
    ALTER TABLE dataset ALTER COLUMN end_at SET NOT NULL;
    ALTER TABLE dataset DROP COLUMN time_zone;
    DROP TABLE war_editors;
    DROP TABLE wars;
    """)
