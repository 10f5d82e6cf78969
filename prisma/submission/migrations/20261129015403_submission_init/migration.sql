-- CreateEnum
CREATE TYPE "SubmissionSource" AS ENUM ('PDF', 'CSV', 'MANUAL');

-- CreateEnum
CREATE TYPE "SubmissionStatus" AS ENUM ('DRAFT', 'IN_REVIEW', 'ACCEPTED', 'REJECTED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "RowKind" AS ENUM ('SAMPLE', 'CONTROL', 'EMPTY');

-- CreateTable
CREATE TABLE "submission" (
    "id" UUID NOT NULL,
    "quote_identifier" TEXT,
    "source" "SubmissionSource" NOT NULL,
    "status" "SubmissionStatus" NOT NULL DEFAULT 'IN_REVIEW',
    "file_id" UUID,
    "file_name" TEXT,
    "sha256" TEXT,
    "submitted_by_id" UUID NOT NULL,
    "requester_name" TEXT,
    "requester_email" TEXT,
    "requester_phone" TEXT,
    "lab" TEXT,
    "pis" JSONB NOT NULL DEFAULT '[]',
    "financial_contacts" JSONB NOT NULL DEFAULT '[]',
    "billing_address" TEXT,
    "service_requested" TEXT,
    "quote_date" DATE,
    "form" JSONB NOT NULL DEFAULT '{}',
    "costs" JSONB NOT NULL DEFAULT '{}',
    "provenance" JSONB NOT NULL DEFAULT '{}',
    "issues" JSONB NOT NULL DEFAULT '[]',
    "rejection_reason" TEXT,
    "reviewed_by_id" UUID,
    "accepted_at" TIMESTAMPTZ(3),
    "rejected_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "submission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "submission_row" (
    "submission_id" UUID NOT NULL,
    "row_number" INTEGER NOT NULL,
    "sample_name" TEXT,
    "volume_ul" DOUBLE PRECISION,
    "qubit_ng_per_ul" DOUBLE PRECISION,
    "nanodrop_ng_per_ul" DOUBLE PRECISION,
    "a260_280" DOUBLE PRECISION,
    "a260_230" DOUBLE PRECISION,
    "concentration_ng_per_ul" DOUBLE PRECISION,
    "kind" "RowKind" NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "cells" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "submission_row_pkey" PRIMARY KEY ("submission_id","row_number")
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

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sample_command" (
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

    CONSTRAINT "sample_command_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "submission_quote_identifier_key" ON "submission"("quote_identifier");

-- CreateIndex
CREATE UNIQUE INDEX "submission_sha256_key" ON "submission"("sha256");

-- CreateIndex
CREATE INDEX "submission_submitted_by_id_created_at_idx" ON "submission"("submitted_by_id", "created_at");

-- CreateIndex
CREATE INDEX "submission_status_created_at_idx" ON "submission"("status", "created_at");

-- CreateIndex
CREATE INDEX "submission_created_at_idx" ON "submission"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_sequence_key" ON "outbox_event"("sequence");

-- CreateIndex
CREATE INDEX "outbox_event_pending_idx" ON "outbox_event"("delivered_at", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "sample_command_sequence_key" ON "sample_command"("sequence");

-- CreateIndex
CREATE INDEX "sample_command_pending_idx" ON "sample_command"("delivered_at", "sequence");

-- AddForeignKey
ALTER TABLE "submission_row" ADD CONSTRAINT "submission_row_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "submission"("id") ON DELETE CASCADE ON UPDATE CASCADE;
