-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_channels" table
CREATE TABLE `new_channels` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL DEFAULT ('WHATSAPP'), `name` text NOT NULL, `waba_id` text NOT NULL, `phone_number_id` text NOT NULL, `display_phone_number` text NOT NULL, `status` text NOT NULL DEFAULT ('CONNECTED'), `access_token_ciphertext` blob NULL, `access_token_key_id` text NULL, `meta_user_id` text NULL, `connected_by_id` text NULL, `revoked_at` datetime NULL, `send_rate_per_second` integer NOT NULL DEFAULT (80), `messaging_limit` integer NULL, `sender_owner` text NULL, `sender_lease_until` datetime NULL, `sender_lease` integer NOT NULL DEFAULT (0), `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `channels_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "channels" to new temporary table "new_channels"
INSERT INTO `new_channels` (`id`, `created_at`, `updated_at`, `kind`, `name`, `waba_id`, `phone_number_id`, `display_phone_number`, `status`, `access_token_ciphertext`, `access_token_key_id`, `meta_user_id`, `connected_by_id`, `revoked_at`, `tenant_id`) SELECT `id`, `created_at`, `updated_at`, `kind`, `name`, `waba_id`, `phone_number_id`, `display_phone_number`, `status`, `access_token_ciphertext`, `access_token_key_id`, `meta_user_id`, `connected_by_id`, `revoked_at`, `tenant_id` FROM `channels`;
-- drop "channels" table after copying rows
DROP TABLE `channels`;
-- rename temporary table "new_channels" to "channels"
ALTER TABLE `new_channels` RENAME TO `channels`;
-- create index "channel_phone_number_id" to table: "channels"
CREATE UNIQUE INDEX `channel_phone_number_id` ON `channels` (`phone_number_id`) WHERE status = 'CONNECTED';
-- create index "channel_tenant_id_status" to table: "channels"
CREATE INDEX `channel_tenant_id_status` ON `channels` (`tenant_id`, `status`);
-- create index "channel_status" to table: "channels"
CREATE INDEX `channel_status` ON `channels` (`status`);
-- create "new_contacts" table
CREATE TABLE `new_contacts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `phone` text NULL, `user_id` text NULL, `username` text NULL, `wa_id` text NULL, `name` text NULL, `profile_name` text NULL, `tags` json NOT NULL, `opt_in_status` text NOT NULL DEFAULT ('UNKNOWN'), `opt_in_source` text NULL, `opt_in_at` datetime NULL, `restricted` bool NOT NULL DEFAULT (false), `last_inbound_at` datetime NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `contacts_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "contacts" to new temporary table "new_contacts"
INSERT INTO `new_contacts` (`id`, `created_at`, `updated_at`, `phone`, `wa_id`, `name`, `profile_name`, `tags`, `opt_in_status`, `opt_in_source`, `opt_in_at`, `restricted`, `last_inbound_at`, `tenant_id`) SELECT `id`, `created_at`, `updated_at`, `phone`, `wa_id`, `name`, `profile_name`, `tags`, `opt_in_status`, `opt_in_source`, `opt_in_at`, `restricted`, `last_inbound_at`, `tenant_id` FROM `contacts`;
-- drop "contacts" table after copying rows
DROP TABLE `contacts`;
-- rename temporary table "new_contacts" to "contacts"
ALTER TABLE `new_contacts` RENAME TO `contacts`;
-- create index "contact_tenant_id_phone" to table: "contacts"
CREATE UNIQUE INDEX `contact_tenant_id_phone` ON `contacts` (`tenant_id`, `phone`);
-- create index "contact_tenant_id_user_id" to table: "contacts"
CREATE UNIQUE INDEX `contact_tenant_id_user_id` ON `contacts` (`tenant_id`, `user_id`);
-- create index "contact_tenant_id_created_at" to table: "contacts"
CREATE INDEX `contact_tenant_id_created_at` ON `contacts` (`tenant_id`, `created_at`);
-- create "new_messages" table
CREATE TABLE `new_messages` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `channel_id` text NOT NULL, `direction` text NOT NULL, `type` text NOT NULL, `text` text NULL, `media` json NULL, `status` text NOT NULL, `error` json NULL, `external_id` text NULL, `client_message_id` text NULL, `raw` json NULL, `timestamp` datetime NOT NULL, `sent_at` datetime NULL, `delivered_at` datetime NULL, `read_at` datetime NULL, `failed_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `reply_to_id` text NULL, `send_state` text NULL, `send_after` datetime NULL, `send_priority` integer NOT NULL DEFAULT (0), `conversation_id` text NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `messages_conversations_messages` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`) ON DELETE NO ACTION, CONSTRAINT `messages_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "messages" to new temporary table "new_messages"
INSERT INTO `new_messages` (`id`, `created_at`, `updated_at`, `channel_id`, `direction`, `type`, `text`, `media`, `status`, `error`, `external_id`, `client_message_id`, `raw`, `timestamp`, `sent_at`, `delivered_at`, `read_at`, `failed_at`, `conversation_id`, `tenant_id`) SELECT `id`, `created_at`, `updated_at`, `channel_id`, `direction`, `type`, `text`, `media`, `status`, `error`, `external_id`, `client_message_id`, `raw`, `timestamp`, `sent_at`, `delivered_at`, `read_at`, `failed_at`, `conversation_id`, `tenant_id` FROM `messages`;
-- drop "messages" table after copying rows
DROP TABLE `messages`;
-- rename temporary table "new_messages" to "messages"
ALTER TABLE `new_messages` RENAME TO `messages`;
-- create index "message_channel_id_external_id" to table: "messages"
CREATE UNIQUE INDEX `message_channel_id_external_id` ON `messages` (`channel_id`, `external_id`);
-- create index "message_tenant_id_client_message_id" to table: "messages"
CREATE UNIQUE INDEX `message_tenant_id_client_message_id` ON `messages` (`tenant_id`, `client_message_id`);
-- create index "message_conversation_id_timestamp" to table: "messages"
CREATE INDEX `message_conversation_id_timestamp` ON `messages` (`conversation_id`, `timestamp`);
-- create index "message_tenant_id_timestamp" to table: "messages"
CREATE INDEX `message_tenant_id_timestamp` ON `messages` (`tenant_id`, `timestamp`);
-- create index "message_channel_id_send_state_send_priority_send_after" to table: "messages"
CREATE INDEX `message_channel_id_send_state_send_priority_send_after` ON `messages` (`channel_id`, `send_state`, `send_priority`, `send_after`);
-- create index "message_send_state_send_after" to table: "messages"
CREATE INDEX `message_send_state_send_after` ON `messages` (`send_state`, `send_after`);
-- create "new_tenants" table
CREATE TABLE `new_tenants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `message_retention_days` integer NOT NULL DEFAULT (90), `status` text NOT NULL DEFAULT ('ACTIVE'), `deletion_requested_at` datetime NULL, `read_receipts` bool NOT NULL DEFAULT (true), `event_seq` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- copy rows from old table "tenants" to new temporary table "new_tenants"
INSERT INTO `new_tenants` (`id`, `created_at`, `updated_at`, `name`, `message_retention_days`, `status`, `deletion_requested_at`, `event_seq`) SELECT `id`, `created_at`, `updated_at`, `name`, `message_retention_days`, `status`, `deletion_requested_at`, `event_seq` FROM `tenants`;
-- drop "tenants" table after copying rows
DROP TABLE `tenants`;
-- rename temporary table "new_tenants" to "tenants"
ALTER TABLE `new_tenants` RENAME TO `tenants`;
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
