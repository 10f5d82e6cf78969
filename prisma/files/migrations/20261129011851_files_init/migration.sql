-- CreateEnum
CREATE TYPE "FileKind" AS ENUM ('QUOTE_PDF', 'SAMPLE_SHEET', 'QC_REPORT', 'GEL_IMAGE', 'BIOANALYZER', 'OTHER');

-- CreateEnum
CREATE TYPE "EntityType" AS ENUM ('SAMPLE', 'SUBMISSION');

-- CreateTable
CREATE TABLE "blob" (
    "sha256" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "content_type" TEXT NOT NULL,
    "storage_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blob_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "file" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "FileKind" NOT NULL,
    "entity_type" "EntityType" NOT NULL,
    "entity_id" UUID NOT NULL,
    "owner_id" UUID,
    "version" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "uploaded_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleted_by_id" UUID,

    CONSTRAINT "file_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "file_share" (
    "id" UUID NOT NULL,
    "file_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "shared_by_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "file_share_pkey" PRIMARY KEY ("id")
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
CREATE INDEX "file_entity_type_entity_id_created_at_idx" ON "file"("entity_type", "entity_id", "created_at");

-- CreateIndex
CREATE INDEX "file_sha256_idx" ON "file"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "file_entity_type_entity_id_name_version_key" ON "file"("entity_type", "entity_id", "name", "version");

-- CreateIndex
CREATE INDEX "file_share_file_id_idx" ON "file_share"("file_id");

-- CreateIndex
CREATE INDEX "file_share_user_id_expires_at_idx" ON "file_share"("user_id", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_sequence_key" ON "outbox_event"("sequence");

-- CreateIndex
CREATE INDEX "outbox_event_pending_idx" ON "outbox_event"("delivered_at", "sequence");

-- AddForeignKey
ALTER TABLE "file" ADD CONSTRAINT "file_sha256_fkey" FOREIGN KEY ("sha256") REFERENCES "blob"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "file_share" ADD CONSTRAINT "file_share_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "file"("id") ON DELETE CASCADE ON UPDATE CASCADE;
