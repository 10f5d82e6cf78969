-- Private signing keys are stored encrypted (AES-256-GCM under AUTH_KEY_ENCRYPTION_KEY, which the database never
-- sees). SQL cannot encrypt without that key, so rows from before stay in private_jwk until the auth subgraph's
-- next start, which encrypts each one into private_key_ciphertext and clears private_jwk (keys.service.ts).
ALTER TABLE "signing_key" ALTER COLUMN "private_jwk" DROP NOT NULL;

ALTER TABLE "signing_key" ADD COLUMN "private_key_ciphertext" TEXT;

ALTER TABLE "signing_key" ADD CONSTRAINT "signing_key_one_private_form" CHECK (num_nonnulls("private_jwk", "private_key_ciphertext") = 1);
