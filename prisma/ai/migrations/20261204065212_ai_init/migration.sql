-- CreateEnum
CREATE TYPE "ExtractionKind" AS ENUM ('SCANNED_QUOTE', 'DOCUMENT');

-- CreateEnum
CREATE TYPE "ExtractionStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "extraction_job" (
    "id" UUID NOT NULL,
    "kind" "ExtractionKind" NOT NULL,
    "status" "ExtractionStatus" NOT NULL DEFAULT 'QUEUED',
    "submission_id" UUID NOT NULL,
    "file_id" UUID,
    "owner_id" UUID NOT NULL,
    "file_name" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "run_after" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "pages_done" INTEGER NOT NULL DEFAULT 0,
    "pages_total" INTEGER,
    "error_code" TEXT,
    "error_message" TEXT,
    "model" TEXT,
    "prompt_version" TEXT,
    "ocr_version" TEXT,
    "result" JSONB,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "run_ms" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "extraction_job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_event" (
    "id" UUID NOT NULL,
    "sequence" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "owner_id" TEXT,
    "actor_id" TEXT,
    "actor_roles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "service" TEXT NOT NULL,
    "request_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changes" JSONB NOT NULL DEFAULT '{}',
    "payload" JSONB,
    "delivered_at" TIMESTAMPTZ(3),
    "rejected_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "truncated" BOOLEAN NOT NULL DEFAULT false,
    "full_content_sha256" TEXT,

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "extraction_notice" (
    "id" UUID NOT NULL,
    "sequence" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "owner_id" TEXT,
    "actor_id" TEXT,
    "actor_roles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "service" TEXT NOT NULL,
    "request_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changes" JSONB NOT NULL DEFAULT '{}',
    "payload" JSONB,
    "delivered_at" TIMESTAMPTZ(3),
    "rejected_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "truncated" BOOLEAN NOT NULL DEFAULT false,
    "full_content_sha256" TEXT,

    CONSTRAINT "extraction_notice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "extraction_job_status_run_after_idx" ON "extraction_job"("status", "run_after");

-- CreateIndex
CREATE INDEX "extraction_job_owner_id_queued_at_idx" ON "extraction_job"("owner_id", "queued_at");

-- CreateIndex
CREATE INDEX "extraction_job_file_id_idx" ON "extraction_job"("file_id");

-- CreateIndex
CREATE UNIQUE INDEX "extraction_job_submission_id_sha256_key" ON "extraction_job"("submission_id", "sha256");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_sequence_key" ON "outbox_event"("sequence");

-- CreateIndex
CREATE INDEX "outbox_event_pending_idx" ON "outbox_event"("delivered_at", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "extraction_notice_sequence_key" ON "extraction_notice"("sequence");

-- CreateIndex
CREATE INDEX "extraction_notice_pending_idx" ON "extraction_notice"("delivered_at", "sequence");
