-- An outbox event whose changes/payload would be too large for the audit subgraph is stored shortened, never
-- dropped (subgraphs/kit/event-content.ts): the flag and the sha256 of the full content travel with it.

-- AlterTable
ALTER TABLE "outbox_event" ADD COLUMN     "full_content_sha256" TEXT,
ADD COLUMN     "truncated" BOOLEAN NOT NULL DEFAULT false;
