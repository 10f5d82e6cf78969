-- Events shortened to fit (subgraphs/kit/event-content.ts) carry a flag and the sha256 of their full content,
-- both covered by the chain hash when set. Events stored before keep their hashes (the fields are absent from
-- the hashed content while false / null). ADD COLUMN with a constant default rewrites no row, so the
-- append-only triggers are not involved.

-- AlterTable
ALTER TABLE "audit_event" ADD COLUMN     "full_content_sha256" TEXT,
ADD COLUMN     "truncated" BOOLEAN NOT NULL DEFAULT false;

-- Per emitting service: its outbox as its relay last reported it, and what ingestion refused from it.
-- CreateTable
CREATE TABLE "audit_delivery_status" (
    "service" TEXT NOT NULL,
    "pending" INTEGER NOT NULL DEFAULT 0,
    "oldest_pending_at" TIMESTAMPTZ(3),
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "reported_at" TIMESTAMPTZ(3),
    "last_delivery_at" TIMESTAMPTZ(3),
    "ingest_rejected" BIGINT NOT NULL DEFAULT 0,
    "ingest_rejected_unreported" INTEGER NOT NULL DEFAULT 0,
    "last_ingest_error" TEXT,

    CONSTRAINT "audit_delivery_status_pkey" PRIMARY KEY ("service")
);

-- Least privilege: the runtime role has SELECT and INSERT by default privileges. The delivery status is
-- operational state, upserted, so it also needs UPDATE here (the log tables keep theirs). Nothing happens where
-- the database names no runtime role.
DO E'
BEGIN
  IF coalesce(current_setting(''nanopore.runtime_role'', true), '''') <> '''' THEN
    EXECUTE format(''GRANT UPDATE ON "audit_delivery_status" TO %I'', current_setting(''nanopore.runtime_role''))\073
  END IF\073
END
';
