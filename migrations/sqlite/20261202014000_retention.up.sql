-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create index "pendingstatus_created_at" to table: "pending_status"
CREATE INDEX `pendingstatus_created_at` ON `pending_status` (`created_at`);
-- create index "session_expires_at" to table: "sessions"
CREATE INDEX `session_expires_at` ON `sessions` (`expires_at`);
-- create "new_messages" table
CREATE TABLE `new_messages` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `channel_id` text NOT NULL, `direction` text NOT NULL, `type` text NOT NULL, `text` text NULL, `media` json NULL, `status` text NOT NULL, `error` json NULL, `external_id` text NULL, `client_message_id` text NULL, `raw` json NULL, `timestamp` datetime NOT NULL, `sent_at` datetime NULL, `delivered_at` datetime NULL, `read_at` datetime NULL, `failed_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `reply_to_id` text NULL, `send_state` text NULL, `send_after` datetime NULL, `send_priority` integer NOT NULL DEFAULT (0), `campaign_id` text NULL, `outside_window` bool NOT NULL DEFAULT (false), `pricing_type` text NULL, `pricing_category` text NULL, `purged_at` datetime NULL, `conversation_id` text NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `messages_conversations_messages` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`) ON DELETE NO ACTION, CONSTRAINT `messages_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "messages" to new temporary table "new_messages"
INSERT INTO `new_messages` (`id`, `created_at`, `updated_at`, `channel_id`, `direction`, `type`, `text`, `media`, `status`, `error`, `external_id`, `client_message_id`, `raw`, `timestamp`, `sent_at`, `delivered_at`, `read_at`, `failed_at`, `attempts`, `reply_to_id`, `send_state`, `send_after`, `send_priority`, `campaign_id`, `outside_window`, `pricing_type`, `pricing_category`, `conversation_id`, `tenant_id`) SELECT `id`, `created_at`, `updated_at`, `channel_id`, `direction`, `type`, `text`, `media`, `status`, `error`, `external_id`, `client_message_id`, `raw`, `timestamp`, `sent_at`, `delivered_at`, `read_at`, `failed_at`, `attempts`, `reply_to_id`, `send_state`, `send_after`, `send_priority`, `campaign_id`, `outside_window`, `pricing_type`, `pricing_category`, `conversation_id`, `tenant_id` FROM `messages`;
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
-- create index "message_channel_id_outside_window_timestamp" to table: "messages"
CREATE INDEX `message_channel_id_outside_window_timestamp` ON `messages` (`channel_id`, `outside_window`, `timestamp`);
-- create index "message_campaign_id_status" to table: "messages"
CREATE INDEX `message_campaign_id_status` ON `messages` (`campaign_id`, `status`);
-- create index "message_tenant_id_updated_at" to table: "messages"
CREATE INDEX `message_tenant_id_updated_at` ON `messages` (`tenant_id`, `updated_at`);
-- create index "message_tenant_id_purged_at_timestamp" to table: "messages"
CREATE INDEX `message_tenant_id_purged_at_timestamp` ON `messages` (`tenant_id`, `purged_at`, `timestamp`);
-- create "retention_marks" table
CREATE TABLE `retention_marks` (`id` text NOT NULL, `lease_owner` text NULL, `lease_until` datetime NULL, `last_run_at` datetime NULL, `last_success_at` datetime NULL, `last_finished_at` datetime NULL, `last_error` text NULL, `purged` json NULL, PRIMARY KEY (`id`));
-- create "retention_tallies" table
CREATE TABLE `retention_tallies` (`id` text NOT NULL, `run_at` datetime NOT NULL, `purged` json NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `retention_tallies_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "retentiontally_tenant_id" to table: "retention_tallies"
CREATE UNIQUE INDEX `retentiontally_tenant_id` ON `retention_tallies` (`tenant_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
