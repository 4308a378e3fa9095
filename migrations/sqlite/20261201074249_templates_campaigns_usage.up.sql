-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- add column "paused_reason" to table: "campaigns"
ALTER TABLE `campaigns` ADD COLUMN `paused_reason` text NULL;
-- add column "replied_at" to table: "campaign_recipients"
ALTER TABLE `campaign_recipients` ADD COLUMN `replied_at` datetime NULL;
-- create index "campaignrecipient_message_id" to table: "campaign_recipients"
CREATE INDEX `campaignrecipient_message_id` ON `campaign_recipients` (`message_id`);
-- create "new_templates" table
CREATE TABLE `new_templates` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `language` text NOT NULL, `category` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `rejected_reason` text NULL, `status_reason` text NULL, `last_event` text NULL, `parameter_format` text NOT NULL DEFAULT ('POSITIONAL'), `quality_score` text NULL, `pending_category` text NULL, `pending_category_at` datetime NULL, `external_id` text NULL, `body` text NULL, `components` json NULL, `channel_id` text NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `templates_channels_templates` FOREIGN KEY (`channel_id`) REFERENCES `channels` (`id`) ON DELETE NO ACTION, CONSTRAINT `templates_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "templates" to new temporary table "new_templates"
INSERT INTO `new_templates` (`id`, `created_at`, `updated_at`, `name`, `language`, `category`, `status`, `rejected_reason`, `external_id`, `body`, `components`, `channel_id`, `tenant_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `language`, `category`, `status`, `rejected_reason`, `external_id`, `body`, `components`, `channel_id`, `tenant_id` FROM `templates`;
-- drop "templates" table after copying rows
DROP TABLE `templates`;
-- rename temporary table "new_templates" to "templates"
ALTER TABLE `new_templates` RENAME TO `templates`;
-- create index "template_tenant_id_channel_id_name_language" to table: "templates"
CREATE UNIQUE INDEX `template_tenant_id_channel_id_name_language` ON `templates` (`tenant_id`, `channel_id`, `name`, `language`);
-- create index "template_external_id" to table: "templates"
CREATE INDEX `template_external_id` ON `templates` (`external_id`);
-- create "new_messages" table
CREATE TABLE `new_messages` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `channel_id` text NOT NULL, `direction` text NOT NULL, `type` text NOT NULL, `text` text NULL, `media` json NULL, `status` text NOT NULL, `error` json NULL, `external_id` text NULL, `client_message_id` text NULL, `raw` json NULL, `timestamp` datetime NOT NULL, `sent_at` datetime NULL, `delivered_at` datetime NULL, `read_at` datetime NULL, `failed_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `reply_to_id` text NULL, `send_state` text NULL, `send_after` datetime NULL, `send_priority` integer NOT NULL DEFAULT (0), `campaign_id` text NULL, `outside_window` bool NOT NULL DEFAULT (false), `pricing_type` text NULL, `pricing_category` text NULL, `conversation_id` text NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `messages_conversations_messages` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`) ON DELETE NO ACTION, CONSTRAINT `messages_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "messages" to new temporary table "new_messages"
INSERT INTO `new_messages` (`id`, `created_at`, `updated_at`, `channel_id`, `direction`, `type`, `text`, `media`, `status`, `error`, `external_id`, `client_message_id`, `raw`, `timestamp`, `sent_at`, `delivered_at`, `read_at`, `failed_at`, `attempts`, `reply_to_id`, `send_state`, `send_after`, `send_priority`, `conversation_id`, `tenant_id`) SELECT `id`, `created_at`, `updated_at`, `channel_id`, `direction`, `type`, `text`, `media`, `status`, `error`, `external_id`, `client_message_id`, `raw`, `timestamp`, `sent_at`, `delivered_at`, `read_at`, `failed_at`, `attempts`, `reply_to_id`, `send_state`, `send_after`, `send_priority`, `conversation_id`, `tenant_id` FROM `messages`;
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
-- create "usage_dailies" table
CREATE TABLE `usage_dailies` (`id` text NOT NULL, `channel_id` text NOT NULL, `day` datetime NOT NULL, `pricing_type` text NOT NULL, `pricing_category` text NOT NULL, `count` integer NOT NULL DEFAULT (0), `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `usage_dailies_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "usagedaily_tenant_id_channel_id_4b14affd96a4d3b3d2324eb5cb4d770e" to table: "usage_dailies"
CREATE UNIQUE INDEX `usagedaily_tenant_id_channel_id_4b14affd96a4d3b3d2324eb5cb4d770e` ON `usage_dailies` (`tenant_id`, `channel_id`, `day`, `pricing_type`, `pricing_category`);
-- create index "usagedaily_tenant_id_day" to table: "usage_dailies"
CREATE INDEX `usagedaily_tenant_id_day` ON `usage_dailies` (`tenant_id`, `day`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
