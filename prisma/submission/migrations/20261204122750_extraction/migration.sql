-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "SubmissionSource" ADD VALUE 'IMAGE';
ALTER TYPE "SubmissionSource" ADD VALUE 'DOCUMENT';

-- AlterEnum
ALTER TYPE "SubmissionStatus" ADD VALUE 'EXTRACTING';

-- CreateTable
CREATE TABLE "extraction_command" (
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

    CONSTRAINT "extraction_command_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "extraction_document" (
    "submission_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "extraction_document_pkey" PRIMARY KEY ("submission_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "extraction_command_sequence_key" ON "extraction_command"("sequence");

-- CreateIndex
CREATE INDEX "extraction_command_pending_idx" ON "extraction_command"("delivered_at", "sequence");

-- AddForeignKey
ALTER TABLE "extraction_document" ADD CONSTRAINT "extraction_document_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "submission"("id") ON DELETE CASCADE ON UPDATE CASCADE;
