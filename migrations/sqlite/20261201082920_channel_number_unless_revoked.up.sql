-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_channels" table
CREATE TABLE `new_channels` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL DEFAULT ('WHATSAPP'), `name` text NOT NULL, `waba_id` text NOT NULL, `phone_number_id` text NOT NULL, `display_phone_number` text NOT NULL, `status` text NOT NULL DEFAULT ('CONNECTED'), `access_token_ciphertext` blob NULL, `access_token_key_id` text NULL, `meta_user_id` text NULL, `connected_by_id` text NULL, `revoked_at` datetime NULL, `send_rate_per_second` integer NOT NULL DEFAULT (80), `messaging_limit` integer NULL, `sender_owner` text NULL, `sender_lease_until` datetime NULL, `sender_lease` integer NOT NULL DEFAULT (0), `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `channels_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "channels" to new temporary table "new_channels"
INSERT INTO `new_channels` (`id`, `created_at`, `updated_at`, `kind`, `name`, `waba_id`, `phone_number_id`, `display_phone_number`, `status`, `access_token_ciphertext`, `access_token_key_id`, `meta_user_id`, `connected_by_id`, `revoked_at`, `send_rate_per_second`, `messaging_limit`, `sender_owner`, `sender_lease_until`, `sender_lease`, `tenant_id`) SELECT `id`, `created_at`, `updated_at`, `kind`, `name`, `waba_id`, `phone_number_id`, `display_phone_number`, `status`, `access_token_ciphertext`, `access_token_key_id`, `meta_user_id`, `connected_by_id`, `revoked_at`, `send_rate_per_second`, `messaging_limit`, `sender_owner`, `sender_lease_until`, `sender_lease`, `tenant_id` FROM `channels`;
-- drop "channels" table after copying rows
DROP TABLE `channels`;
-- rename temporary table "new_channels" to "channels"
ALTER TABLE `new_channels` RENAME TO `channels`;
-- create index "channel_phone_number_id" to table: "channels"
CREATE UNIQUE INDEX `channel_phone_number_id` ON `channels` (`phone_number_id`) WHERE status <> 'REVOKED';
-- create index "channel_tenant_id_status" to table: "channels"
CREATE INDEX `channel_tenant_id_status` ON `channels` (`tenant_id`, `status`);
-- create index "channel_status" to table: "channels"
CREATE INDEX `channel_status` ON `channels` (`status`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
