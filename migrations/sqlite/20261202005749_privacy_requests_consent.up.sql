-- add column "correction" to table: "privacy_requests"
ALTER TABLE `privacy_requests` ADD COLUMN `correction` json NULL;
-- add column "outcome" to table: "privacy_requests"
ALTER TABLE `privacy_requests` ADD COLUMN `outcome` text NULL;
-- add column "requested_by_id" to table: "privacy_requests"
ALTER TABLE `privacy_requests` ADD COLUMN `requested_by_id` text NULL;
-- create index "privacyrequest_tenant_id_contact_id" to table: "privacy_requests"
CREATE INDEX `privacyrequest_tenant_id_contact_id` ON `privacy_requests` (`tenant_id`, `contact_id`);
-- create index "channel_meta_user_id" to table: "channels"
CREATE INDEX `channel_meta_user_id` ON `channels` (`meta_user_id`);
-- create "consent_events" table
CREATE TABLE `consent_events` (`id` text NOT NULL, `contact_id` text NOT NULL, `status` text NOT NULL, `source` text NOT NULL, `at` datetime NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `consent_events_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "consentevent_tenant_id_contact_id_at" to table: "consent_events"
CREATE INDEX `consentevent_tenant_id_contact_id_at` ON `consent_events` (`tenant_id`, `contact_id`, `at`);
