-- CreateTable
CREATE TABLE "audit_event" (
    "sequence" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "owner_id" TEXT,
    "actor_id" TEXT,
    "actor_roles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "service" TEXT NOT NULL,
    "request_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "changes" JSONB NOT NULL DEFAULT '{}',
    "payload" JSONB,
    "source_sequence" BIGINT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("sequence")
);

-- CreateTable
CREATE TABLE "audit_chain_head" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "sequence" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_head_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_anchor" (
    "id" SERIAL NOT NULL,
    "purged_through_sequence" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "purged_count" BIGINT NOT NULL,
    "purged_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "purged_by" TEXT NOT NULL,

    CONSTRAINT "audit_anchor_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_event_event_id_key" ON "audit_event"("event_id");

-- CreateIndex
CREATE INDEX "audit_event_entity_idx" ON "audit_event"("entity_type", "entity_id", "sequence" DESC);

-- CreateIndex
CREATE INDEX "audit_event_owner_idx" ON "audit_event"("owner_id", "sequence" DESC);

-- CreateIndex
CREATE INDEX "audit_event_actor_idx" ON "audit_event"("actor_id", "sequence" DESC);

-- CreateIndex
CREATE INDEX "audit_event_type_idx" ON "audit_event"("type");

-- CreateIndex
CREATE INDEX "audit_event_service_idx" ON "audit_event"("service");

-- CreateIndex
CREATE INDEX "audit_event_occurred_idx" ON "audit_event"("occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "audit_anchor_purged_through_sequence_key" ON "audit_anchor"("purged_through_sequence");

-- Append-only log, hand-written below. The migration runner splits this file at every semicolon (also inside
-- comments and dollar-quoted bodies), so function bodies are E'' strings with each semicolon written as \073.

-- The chain head: exactly one row, starting at the genesis (sequence 0, 64 zeros)
ALTER TABLE "audit_chain_head" ADD CONSTRAINT "audit_chain_head_single_row" CHECK ("id" = 1);

INSERT INTO "audit_chain_head" ("id", "sequence", "hash") VALUES (1, 0, repeat('0', 64));

ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_sequence_positive" CHECK ("sequence" > 0);

ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_hash_format" CHECK ("hash" ~ '^[0-9a-f]{64}$' AND "prev_hash" ~ '^[0-9a-f]{64}$');

-- audit_event: no UPDATE ever, no DELETE except the expired prefix inside audit_purge(), no TRUNCATE
CREATE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''DELETE'' AND OLD.sequence <= coalesce(nullif(current_setting(''audit.purge_through'', true), ''''), ''0'')::bigint THEN
    RETURN OLD\073
  END IF\073
  RAISE EXCEPTION ''audit_event is append-only: % is not allowed'', TG_OP
    USING ERRCODE = ''insufficient_privilege'', HINT = ''expired events leave only through audit_purge()''\073
END
';

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON "audit_event" FOR EACH ROW EXECUTE FUNCTION audit_event_guard();

CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON "audit_event" FOR EACH STATEMENT EXECUTE FUNCTION audit_event_guard();

-- audit_anchor: written only by audit_purge(), never changed
CREATE FUNCTION audit_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''INSERT'' AND NEW.purged_through_sequence::text = current_setting(''audit.purge_through'', true) THEN
    RETURN NEW\073
  END IF\073
  RAISE EXCEPTION ''audit_anchor is written only by audit_purge(): % is not allowed'', TG_OP
    USING ERRCODE = ''insufficient_privilege''\073
END
';

CREATE TRIGGER audit_anchor_append_only BEFORE INSERT OR UPDATE OR DELETE ON "audit_anchor" FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard();

CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON "audit_anchor" FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_guard();

-- audit_chain_head: the tip only moves forward
CREATE FUNCTION audit_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''UPDATE'' AND NEW.id = OLD.id AND NEW.sequence >= OLD.sequence THEN
    RETURN NEW\073
  END IF\073
  RAISE EXCEPTION ''audit_chain_head only moves forward: % is not allowed'', TG_OP
    USING ERRCODE = ''insufficient_privilege''\073
END
';

CREATE TRIGGER audit_chain_head_forward_only BEFORE INSERT OR UPDATE OR DELETE ON "audit_chain_head" FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();

CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON "audit_chain_head" FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard();

-- Retention: deletes events 1..p_through (the oldest end only, so what remains still verifies from the anchor)
-- and records the anchor, with the hash read from the row being purged. Refuses anything but a contiguous
-- prefix. SECURITY DEFINER so that production can grant EXECUTE on it to a role without DELETE on the tables.
CREATE FUNCTION audit_purge(p_through bigint, p_purged_by text)
RETURNS TABLE (purged_count bigint, anchor_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS E'
DECLARE
  v_hash text\073
  v_oldest bigint\073
  v_count bigint\073
BEGIN
  SELECT min(e.sequence) INTO v_oldest FROM audit_event e\073
  SELECT e.hash INTO v_hash FROM audit_event e WHERE e.sequence = p_through\073
  IF v_hash IS NULL OR v_oldest IS NULL THEN
    RAISE EXCEPTION ''audit_purge: no event with sequence %'', p_through USING ERRCODE = ''no_data_found''\073
  END IF\073
  IF (SELECT count(*) FROM audit_event e WHERE e.sequence <= p_through) <> p_through - v_oldest + 1 THEN
    RAISE EXCEPTION ''audit_purge: events % to % are not contiguous'', v_oldest, p_through\073
  END IF\073
  PERFORM set_config(''audit.purge_through'', p_through::text, true)\073
  DELETE FROM audit_event e WHERE e.sequence <= p_through\073
  GET DIAGNOSTICS v_count = ROW_COUNT\073
  INSERT INTO audit_anchor (purged_through_sequence, hash, purged_count, purged_by)
    VALUES (p_through, v_hash, v_count, p_purged_by)\073
  PERFORM set_config(''audit.purge_through'', '''', true)\073
  RETURN QUERY SELECT v_count, v_hash\073
END
';
