-- reverse: create index "notice_expires_at" to table: "notices"
DROP INDEX `notice_expires_at`;
-- reverse: create index "notice_tenant_id_expires_at" to table: "notices"
DROP INDEX `notice_tenant_id_expires_at`;
-- reverse: create "notices" table
DROP TABLE `notices`;
-- reverse: add column "adult_confirmed_at" to table: "users"
ALTER TABLE `users` DROP COLUMN `adult_confirmed_at`;
-- reverse: add column "terms_version" to table: "users"
ALTER TABLE `users` DROP COLUMN `terms_version`;
-- reverse: add column "terms_accepted_at" to table: "users"
ALTER TABLE `users` DROP COLUMN `terms_accepted_at`;
