"""domain schema

Step 1 of the chain (migrations/README.md). Revision ID: 0001
Revises: (none: the first)
Create Date: 2026-11-22 00:59:28.290441
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostGIS for geometry, btree_gist for the one-zone-per-faction exclusion constraint, pg_trgm for place search.
    for ext in ("postgis", "btree_gist", "pg_trgm"):
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
    op.create_geospatial_table('dataset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('title_ar', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('description_ar', sa.Text(), nullable=False),
    sa.Column('notes_en', sa.Text(), nullable=False),
    sa.Column('utc_offset_minutes', sa.Integer(), nullable=False),
    sa.Column('tz_label', sa.String(length=32), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extent', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('home_view', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_dataset_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset')),
    sa.UniqueConstraint('slug', name=op.f('uq_dataset_slug'))
    )
    op.create_table('factions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=32), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_ar', sa.Text(), nullable=False),
    sa.Column('short_en', sa.Text(), nullable=False),
    sa.Column('short_ar', sa.Text(), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('description_ar', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.CheckConstraint("color ~ '^#[0-9a-fA-F]{6}$'", name=op.f('ck_factions_color_format')),
    sa.CheckConstraint("slug ~ '^[a-z][a-z0-9-]*$'", name=op.f('ck_factions_slug_format')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_factions')),
    sa.UniqueConstraint('slug', name=op.f('uq_factions_slug'))
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    op.create_index(op.f('ix_login_attempts_username'), 'login_attempts', ['username'], unique=False)
    op.create_geospatial_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_ar', sa.Text(), nullable=False),
    sa.Column('variants', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.CheckConstraint('rank BETWEEN 1 AND 5', name=op.f('ck_places_rank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('slug', name=op.f('uq_places_slug'))
    )
    op.create_geospatial_index('idx_places_geom', 'places', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('editor', 'admin')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_geospatial_table('control_zones',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('faction_id', sa.Integer(), nullable=False),
    sa.Column('valid', postgresql.TSTZRANGE(), nullable=False),
    sa.Column('revs', postgresql.INT4RANGE(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('area_km2', sa.Float(), nullable=False),
    sa.Column('change_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    postgresql.ExcludeConstraint((sa.column('faction_id'), '='), (sa.column('valid'), '&&'), (sa.column('revs'), '&&'), using='gist', name='one_zone_per_faction'),
    sa.CheckConstraint('NOT isempty(revs) AND lower(revs) IS NOT NULL', name=op.f('ck_control_zones_revs_nonempty')),
    sa.CheckConstraint('NOT isempty(valid) AND lower(valid) IS NOT NULL AND lower_inc(valid) AND NOT upper_inc(valid)', name=op.f('ck_control_zones_valid_half_open')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_SRID(geom) = 4326', name=op.f('ck_control_zones_geom_valid')),
    sa.ForeignKeyConstraint(['faction_id'], ['factions.id'], name=op.f('fk_control_zones_faction_id_factions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_zones'))
    )
    op.create_geospatial_index('idx_control_zones_geom', 'control_zones', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_control_zones_live_valid', 'control_zones', ['valid'], unique=False, postgresql_using='gist', postgresql_where='upper_inf(revs)')
    op.create_index('ix_control_zones_valid', 'control_zones', ['valid'], unique=False, postgresql_using='gist')
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('publisher', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("url IS NULL OR url ~ '^https?://'", name=op.f('ck_reports_url_scheme')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 500', name=op.f('ck_reports_title_length')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_reports_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('key', name=op.f('uq_reports_key'))
    )
    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reverts_id', sa.Integer(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint("kind IN ('load', 'change', 'revert', 'import')", name=op.f('ck_revisions_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['reverts_id'], ['revisions.id'], name=op.f('fk_revisions_reverts_id_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions'))
    )
    op.create_table('user_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_user_sessions'))
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    op.create_geospatial_table('control_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('faction_id', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.String(length=16), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('summary_en', sa.Text(), server_default='', nullable=False),
    sa.Column('summary_ar', sa.Text(), server_default='', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_in', sa.Integer(), nullable=False),
    sa.Column('retracted_in', sa.Integer(), nullable=True),
    sa.CheckConstraint("confidence IN ('confirmed', 'claimed')", name=op.f('ck_control_changes_confidence')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_SRID(geom) = 4326', name=op.f('ck_control_changes_geom_valid')),
    sa.ForeignKeyConstraint(['created_in'], ['revisions.id'], name=op.f('fk_control_changes_created_in_revisions')),
    sa.ForeignKeyConstraint(['faction_id'], ['factions.id'], name=op.f('fk_control_changes_faction_id_factions')),
    sa.ForeignKeyConstraint(['retracted_in'], ['revisions.id'], name=op.f('fk_control_changes_retracted_in_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_changes')),
    sa.UniqueConstraint('key', name=op.f('uq_control_changes_key'))
    )
    op.create_geospatial_index('idx_control_changes_geom', 'control_changes', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_control_changes_at'), 'control_changes', ['at'], unique=False)
    op.create_table('change_reports',
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['control_changes.id'], name=op.f('fk_change_reports_change_id_control_changes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_change_reports_report_id_reports'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('change_id', 'report_id', name=op.f('pk_change_reports'))
    )
    op.create_index(op.f('ix_change_reports_report_id'), 'change_reports', ['report_id'], unique=False)
    op.execute("CREATE INDEX ix_places_search_trgm ON places USING gin (search_text gin_trgm_ops)")
    op.execute(TRIGGERS)


TRIGGERS = """
-- Invariant 4: every change cites at least one report. A deferred constraint trigger, so a change and its
-- citations can be inserted in one transaction; it fires again when a citation is removed.
CREATE FUNCTION frontline_change_cites_report() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE cid integer;
BEGIN
  IF TG_TABLE_NAME = 'control_changes' THEN cid := NEW.id; ELSE cid := OLD.change_id; END IF;
  IF EXISTS (SELECT 1 FROM control_changes WHERE id = cid)
     AND NOT EXISTS (SELECT 1 FROM change_reports WHERE change_id = cid) THEN
    RAISE EXCEPTION 'control change % cites no report', cid USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER change_cites_report AFTER INSERT ON control_changes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION frontline_change_cites_report();
CREATE CONSTRAINT TRIGGER change_keeps_a_report AFTER DELETE OR UPDATE ON change_reports
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION frontline_change_cites_report();

-- Invariant 3: geometry inside the data set's declared extent (a CHECK cannot read another table).
CREATE FUNCTION frontline_inside_extent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ext geometry;
BEGIN
  SELECT extent INTO ext FROM dataset LIMIT 1;
  IF ext IS NOT NULL AND NOT ST_CoveredBy(NEW.geom, ST_Buffer(ext, 1e-9)) THEN
    RAISE EXCEPTION '% geometry lies outside the data set extent', TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER zone_inside_extent BEFORE INSERT OR UPDATE OF geom ON control_zones
  FOR EACH ROW EXECUTE FUNCTION frontline_inside_extent();
CREATE TRIGGER change_inside_extent BEFORE INSERT OR UPDATE OF geom ON control_changes
  FOR EACH ROW EXECUTE FUNCTION frontline_inside_extent();

-- Every app worker LISTENs on this channel, so a new revision invalidates caches everywhere at once.
CREATE FUNCTION frontline_notify_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('frontline_revision', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER revision_notify AFTER INSERT ON revisions FOR EACH ROW EXECUTE FUNCTION frontline_notify_revision();
"""


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS frontline_notify_revision, frontline_inside_extent, frontline_change_cites_report CASCADE")
    op.drop_index(op.f('ix_change_reports_report_id'), table_name='change_reports')
    op.drop_table('change_reports')
    op.drop_index(op.f('ix_control_changes_at'), table_name='control_changes')
    op.drop_geospatial_index('idx_control_changes_geom', table_name='control_changes', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('control_changes')
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
    op.drop_table('revisions')
    op.drop_table('reports')
    op.drop_index('ix_control_zones_valid', table_name='control_zones', postgresql_using='gist')
    op.drop_index('ix_control_zones_live_valid', table_name='control_zones', postgresql_using='gist', postgresql_where='upper_inf(revs)')
    op.drop_geospatial_index('idx_control_zones_geom', table_name='control_zones', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('control_zones')
    op.drop_table('users')
    op.drop_geospatial_index('idx_places_geom', table_name='places', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('places')
    op.drop_index(op.f('ix_login_attempts_username'), table_name='login_attempts')
    op.drop_table('login_attempts')
    op.drop_table('factions')
    op.drop_geospatial_table('dataset')
