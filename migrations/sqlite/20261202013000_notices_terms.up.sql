-- add column "terms_accepted_at" to table: "users"
ALTER TABLE `users` ADD COLUMN `terms_accepted_at` datetime NULL;
-- add column "terms_version" to table: "users"
ALTER TABLE `users` ADD COLUMN `terms_version` text NULL;
-- add column "adult_confirmed_at" to table: "users"
ALTER TABLE `users` ADD COLUMN `adult_confirmed_at` datetime NULL;
-- create "notices" table
CREATE TABLE `notices` (`id` text NOT NULL, `tenant_id` text NULL, `kind` text NOT NULL, `title` text NOT NULL, `body` text NOT NULL, `published_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `created_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- create index "notice_tenant_id_expires_at" to table: "notices"
CREATE INDEX `notice_tenant_id_expires_at` ON `notices` (`tenant_id`, `expires_at`);
-- create index "notice_expires_at" to table: "notices"
CREATE INDEX `notice_expires_at` ON `notices` (`expires_at`);
