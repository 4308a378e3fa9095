-- create index "message_tenant_id_updated_at" to table: "messages"
CREATE INDEX `message_tenant_id_updated_at` ON `messages` (`tenant_id`, `updated_at`);
-- create "message_dailies" table
CREATE TABLE `message_dailies` (`id` text NOT NULL, `channel_id` text NOT NULL, `day` datetime NOT NULL, `direction` text NOT NULL, `status` text NOT NULL, `count` integer NOT NULL DEFAULT (0), `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `message_dailies_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "messagedaily_tenant_id_day_channel_id_direction_status" to table: "message_dailies"
CREATE UNIQUE INDEX `messagedaily_tenant_id_day_channel_id_direction_status` ON `message_dailies` (`tenant_id`, `day`, `channel_id`, `direction`, `status`);
-- create "rollup_marks" table
CREATE TABLE `rollup_marks` (`id` text NOT NULL, `rolled_until` datetime NULL, `changes_until` datetime NULL, `lease_owner` text NULL, `lease_until` datetime NULL, PRIMARY KEY (`id`));
