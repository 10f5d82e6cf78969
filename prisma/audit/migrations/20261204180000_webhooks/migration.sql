-- Webhooks (subgraphs/audit/webhook*.ts): subscriptions, one delivery row per (subscription, event) written in the
-- append transaction, and the log of HTTP attempts. Operational state beside the log: the append-only triggers
-- of audit_event do not cover these tables.
-- CreateTable
CREATE TABLE "webhook_subscription" (
    "id" UUID NOT NULL,
    "owner_id" TEXT NOT NULL,
    "owner_reads_all" BOOLEAN NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "topics" TEXT[],
    "event_types" TEXT[],
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "status_reason" TEXT,
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL,
    "secret_ciphertext" TEXT NOT NULL,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "failing_since" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_subscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery" (
    "id" BIGSERIAL NOT NULL,
    "subscription_id" UUID NOT NULL,
    "event_sequence" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "lease_until" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_duration_ms" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery_attempt" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,

    CONSTRAINT "webhook_delivery_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_subscription_owner_idx" ON "webhook_subscription"("owner_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_delivery_due_idx" ON "webhook_delivery"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_delivery_subscription_idx" ON "webhook_delivery"("subscription_id", "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_delivery_subscription_event_key" ON "webhook_delivery"("subscription_id", "event_id");

-- CreateIndex
CREATE INDEX "webhook_delivery_attempt_delivery_idx" ON "webhook_delivery_attempt"("delivery_id", "attempt");

-- AddForeignKey
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscription"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery_attempt" ADD CONSTRAINT "webhook_delivery_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Least privilege: the runtime role has SELECT and INSERT by default privileges. Subscriptions and deliveries are
-- updated (status, attempts, leases) and deleted (a deleted subscription takes its deliveries), so it also needs
-- UPDATE and DELETE here (attempts are only inserted, and deleted with their delivery). Nothing happens where the
-- database names no runtime role.
DO E'
BEGIN
  IF coalesce(current_setting(''nanopore.runtime_role'', true), '''') <> '''' THEN
    EXECUTE format(''GRANT UPDATE, DELETE ON "webhook_subscription", "webhook_delivery", "webhook_delivery_attempt" TO %I'', current_setting(''nanopore.runtime_role''))\073
  END IF\073
END
';
