-- reverse: create index "notice_tenant_id_expires_at" to table: "notices"
DROP INDEX "notice_tenant_id_expires_at";
-- reverse: create index "notice_expires_at" to table: "notices"
DROP INDEX "notice_expires_at";
-- reverse: create "notices" table
DROP TABLE "notices";
-- reverse: modify "users" table
ALTER TABLE "users" DROP COLUMN "adult_confirmed_at", DROP COLUMN "terms_version", DROP COLUMN "terms_accepted_at";
