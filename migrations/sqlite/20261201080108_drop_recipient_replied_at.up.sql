-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_campaign_recipients" table
CREATE TABLE `new_campaign_recipients` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `skip_reason` text NULL, `error` json NULL, `campaign_id` text NOT NULL, `tenant_id` text NOT NULL, `contact_id` text NOT NULL, `message_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `campaign_recipients_campaigns_recipients` FOREIGN KEY (`campaign_id`) REFERENCES `campaigns` (`id`) ON DELETE CASCADE, CONSTRAINT `campaign_recipients_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `campaign_recipients_contacts_contact` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE CASCADE, CONSTRAINT `campaign_recipients_messages_message` FOREIGN KEY (`message_id`) REFERENCES `messages` (`id`) ON DELETE SET NULL);
-- copy rows from old table "campaign_recipients" to new temporary table "new_campaign_recipients"
INSERT INTO `new_campaign_recipients` (`id`, `created_at`, `updated_at`, `status`, `skip_reason`, `error`, `campaign_id`, `tenant_id`, `contact_id`, `message_id`) SELECT `id`, `created_at`, `updated_at`, `status`, `skip_reason`, `error`, `campaign_id`, `tenant_id`, `contact_id`, `message_id` FROM `campaign_recipients`;
-- drop "campaign_recipients" table after copying rows
DROP TABLE `campaign_recipients`;
-- rename temporary table "new_campaign_recipients" to "campaign_recipients"
ALTER TABLE `new_campaign_recipients` RENAME TO `campaign_recipients`;
-- create index "campaignrecipient_campaign_id_contact_id" to table: "campaign_recipients"
CREATE UNIQUE INDEX `campaignrecipient_campaign_id_contact_id` ON `campaign_recipients` (`campaign_id`, `contact_id`);
-- create index "campaignrecipient_message_id" to table: "campaign_recipients"
CREATE INDEX `campaignrecipient_message_id` ON `campaign_recipients` (`message_id`);
-- create index "campaignrecipient_campaign_id_status" to table: "campaign_recipients"
CREATE INDEX `campaignrecipient_campaign_id_status` ON `campaign_recipients` (`campaign_id`, `status`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
