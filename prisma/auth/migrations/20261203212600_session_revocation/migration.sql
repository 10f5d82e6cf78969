-- Session revocation feed (subgraphs/auth/revocation.service.ts): ended sessions whose access tokens may still be
-- unexpired, polled by the router and every subgraph.

-- CreateTable
CREATE TABLE "session_revocation" (
    "sequence" BIGSERIAL NOT NULL,
    "session_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "session_revocation_pkey" PRIMARY KEY ("sequence")
);

-- CreateIndex
CREATE INDEX "session_revocation_expires_at_idx" ON "session_revocation"("expires_at");
