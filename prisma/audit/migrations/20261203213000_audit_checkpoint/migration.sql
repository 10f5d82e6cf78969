-- CreateTable
CREATE TABLE "audit_checkpoint" (
    "sequence" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "signed_at" TIMESTAMPTZ(3) NOT NULL,
    "interval" INTEGER NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "audit_checkpoint_pkey" PRIMARY KEY ("sequence")
);

-- Hand-written below (the runner splits at every semicolon: function bodies are E'' strings with \073).
ALTER TABLE "audit_checkpoint" ADD CONSTRAINT "audit_checkpoint_format" CHECK ("sequence" > 0 AND "interval" > 0 AND "hash" ~ '^[0-9a-f]{64}$');

-- Append-only like the log. (An owner can still switch triggers off: the signatures are what protects.)
CREATE FUNCTION audit_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  RAISE EXCEPTION ''audit_checkpoint is append-only: % is not allowed'', TG_OP
    USING ERRCODE = ''insufficient_privilege''\073
END
';

CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON "audit_checkpoint" FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_guard();

CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON "audit_checkpoint" FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_guard();

-- Least privilege (deploy/postgres/create-databases.sql): the runtime role gets SELECT and INSERT by default
-- privileges, and here the one UPDATE it needs, on the chain head's columns (SELECT ... FOR UPDATE needs it too).
-- Nothing happens where the database names no runtime role.
DO E'
BEGIN
  IF coalesce(current_setting(''nanopore.runtime_role'', true), '''') <> '''' THEN
    EXECUTE format(''GRANT UPDATE ("sequence", "hash") ON "audit_chain_head" TO %I'', current_setting(''nanopore.runtime_role''))\073
  END IF\073
END
';
