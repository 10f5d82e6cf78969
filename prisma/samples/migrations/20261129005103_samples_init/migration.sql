-- CreateEnum
CREATE TYPE "SampleStatus" AS ENUM ('SUBMITTED', 'RECEIVED', 'IN_PREP', 'SEQUENCING', 'ANALYSIS', 'COMPLETED', 'DISTRIBUTED', 'ARCHIVED', 'ON_HOLD', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "Stage" AS ENUM ('SAMPLE_QC', 'LIBRARY_PREP', 'LIBRARY_QC', 'SEQUENCING_SETUP', 'SEQUENCING_RUN', 'BASECALLING', 'QUALITY_ASSESSMENT', 'DATA_DELIVERY');

-- CreateEnum
CREATE TYPE "Priority" AS ENUM ('URGENT', 'HIGH', 'NORMAL', 'LOW');

-- CreateEnum
CREATE TYPE "QcStatus" AS ENUM ('PENDING', 'PASSED', 'CONDITIONAL', 'FAILED');

-- CreateEnum
CREATE TYPE "NucleicAcid" AS ENUM ('DNA', 'RNA');

-- CreateEnum
CREATE TYPE "MaterialType" AS ENUM ('HMW_DNA', 'FRAGMENTED_DNA', 'PCR_AMPLICONS', 'CDNA');

-- CreateEnum
CREATE TYPE "FlowCellFormat" AS ENUM ('MINION', 'PROMETHION', 'FLONGLE');

-- CreateEnum
CREATE TYPE "ProjectStatus" AS ENUM ('ACTIVE', 'ON_HOLD', 'COMPLETED', 'ARCHIVED');

-- CreateTable
CREATE TABLE "sample" (
    "id" UUID NOT NULL,
    "submission_id" UUID,
    "row_number" INTEGER,
    "name" TEXT NOT NULL,
    "lab_sample_id" TEXT,
    "is_control" BOOLEAN NOT NULL DEFAULT false,
    "owner_id" UUID NOT NULL,
    "project_id" UUID,
    "requester_name" TEXT,
    "requester_email" TEXT,
    "lab" TEXT,
    "nucleic_acid" "NucleicAcid" NOT NULL DEFAULT 'DNA',
    "material_type" "MaterialType",
    "source_organism" TEXT,
    "buffer" TEXT,
    "contains_human_dna" BOOLEAN,
    "volume_ul" DOUBLE PRECISION,
    "qubit_ng_per_ul" DOUBLE PRECISION,
    "nanodrop_ng_per_ul" DOUBLE PRECISION,
    "a260_280" DOUBLE PRECISION,
    "a260_230" DOUBLE PRECISION,
    "library_kit" TEXT,
    "flow_cell_format" "FlowCellFormat",
    "chemistry" TEXT,
    "product_code" TEXT,
    "basecalling_model" TEXT,
    "file_formats" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "barcode" TEXT,
    "status" "SampleStatus" NOT NULL DEFAULT 'SUBMITTED',
    "stage" "Stage",
    "priority" "Priority" NOT NULL DEFAULT 'NORMAL',
    "qc_status" "QcStatus" NOT NULL DEFAULT 'PENDING',
    "qc" JSONB NOT NULL DEFAULT '{}',
    "held_from_status" "SampleStatus",
    "held_from_stage" "Stage",
    "entered_stage_at" TIMESTAMPTZ(3),
    "assignee_id" UUID,
    "received_at" TIMESTAMPTZ(3),
    "due_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "distributed_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sample_history" (
    "id" UUID NOT NULL,
    "sample_id" UUID NOT NULL,
    "move" TEXT NOT NULL,
    "from_status" "SampleStatus" NOT NULL,
    "to_status" "SampleStatus" NOT NULL,
    "from_stage" "Stage",
    "to_stage" "Stage",
    "actor_id" UUID NOT NULL,
    "reason" TEXT,
    "qc_result" "QcStatus",
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "time_in_stage_ms" DOUBLE PRECISION,

    CONSTRAINT "sample_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sample_note" (
    "id" UUID NOT NULL,
    "sample_id" UUID NOT NULL,
    "author_id" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sample_note_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "owner_id" UUID NOT NULL,
    "status" "ProjectStatus" NOT NULL DEFAULT 'ACTIVE',
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run" (
    "id" UUID NOT NULL,
    "flow_cell_id" TEXT NOT NULL,
    "product_code" TEXT NOT NULL,
    "format" "FlowCellFormat" NOT NULL,
    "position" TEXT,
    "kit" TEXT NOT NULL,
    "experiment_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run_sample" (
    "run_id" UUID NOT NULL,
    "sample_id" UUID NOT NULL,
    "barcode" TEXT,
    "alias" TEXT NOT NULL,
    "type" TEXT NOT NULL DEFAULT 'test_sample',
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "run_sample_pkey" PRIMARY KEY ("run_id","sample_id")
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

-- CreateIndex
CREATE UNIQUE INDEX "sample_lab_sample_id_key" ON "sample"("lab_sample_id");

-- CreateIndex
CREATE INDEX "sample_status_stage_idx" ON "sample"("status", "stage");

-- CreateIndex
CREATE INDEX "sample_priority_created_at_idx" ON "sample"("priority", "created_at");

-- CreateIndex
CREATE INDEX "sample_assignee_id_idx" ON "sample"("assignee_id");

-- CreateIndex
CREATE INDEX "sample_owner_id_idx" ON "sample"("owner_id");

-- CreateIndex
CREATE INDEX "sample_project_id_idx" ON "sample"("project_id");

-- CreateIndex
CREATE INDEX "sample_due_at_idx" ON "sample"("due_at");

-- CreateIndex
CREATE UNIQUE INDEX "sample_submission_id_name_key" ON "sample"("submission_id", "name");

-- CreateIndex
CREATE INDEX "sample_history_sample_id_at_idx" ON "sample_history"("sample_id", "at");

-- CreateIndex
CREATE INDEX "sample_history_at_idx" ON "sample_history"("at");

-- CreateIndex
CREATE INDEX "sample_note_sample_id_created_at_idx" ON "sample_note"("sample_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "project_name_key" ON "project"("name");

-- CreateIndex
CREATE INDEX "run_started_at_idx" ON "run"("started_at");

-- CreateIndex
CREATE INDEX "run_sample_sample_id_idx" ON "run_sample"("sample_id");

-- CreateIndex
CREATE UNIQUE INDEX "run_sample_run_id_barcode_key" ON "run_sample"("run_id", "barcode");

-- CreateIndex
CREATE UNIQUE INDEX "run_sample_run_id_alias_key" ON "run_sample"("run_id", "alias");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_sequence_key" ON "outbox_event"("sequence");

-- CreateIndex
CREATE INDEX "outbox_event_pending_idx" ON "outbox_event"("delivered_at", "sequence");

-- AddForeignKey
ALTER TABLE "sample" ADD CONSTRAINT "sample_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sample_history" ADD CONSTRAINT "sample_history_sample_id_fkey" FOREIGN KEY ("sample_id") REFERENCES "sample"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sample_note" ADD CONSTRAINT "sample_note_sample_id_fkey" FOREIGN KEY ("sample_id") REFERENCES "sample"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_sample" ADD CONSTRAINT "run_sample_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_sample" ADD CONSTRAINT "run_sample_sample_id_fkey" FOREIGN KEY ("sample_id") REFERENCES "sample"("id") ON DELETE CASCADE ON UPDATE CASCADE;
