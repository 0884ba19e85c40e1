-- payouts(account) and settlements(provider) are prefixes of payouts(account, blockNumber) and
-- settlements(provider, blockNumber), which serve the same look-ups: each was one more index to keep up to date and,
-- after a first backfill, to build.
DROP INDEX IF EXISTS "payouts_account_idx";
DROP INDEX IF EXISTS "settlements_provider_idx";
