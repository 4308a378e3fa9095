-- create "api_keys" table
CREATE TABLE `api_keys` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `secret_hash` text NOT NULL, `role` text NOT NULL DEFAULT ('ADMIN'), `created_by_id` text NULL, `last_used_at` datetime NULL, `revoked_at` datetime NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `api_keys_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "api_keys_secret_hash_key" to table: "api_keys"
CREATE UNIQUE INDEX `api_keys_secret_hash_key` ON `api_keys` (`secret_hash`);
-- create "audit_logs" table
CREATE TABLE `audit_logs` (`id` text NOT NULL, `api_key_id` text NULL, `action` text NOT NULL, `target_type` text NULL, `target_id` text NULL, `ip` text NULL, `metadata` json NULL, `created_at` datetime NOT NULL, `tenant_id` text NOT NULL, `actor_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `audit_logs_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `audit_logs_users_actor` FOREIGN KEY (`actor_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- create index "auditlog_tenant_id_created_at" to table: "audit_logs"
CREATE INDEX `auditlog_tenant_id_created_at` ON `audit_logs` (`tenant_id`, `created_at`);
-- create index "auditlog_tenant_id_action" to table: "audit_logs"
CREATE INDEX `auditlog_tenant_id_action` ON `audit_logs` (`tenant_id`, `action`);
-- create "campaigns" table
CREATE TABLE `campaigns` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `status` text NOT NULL DEFAULT ('DRAFT'), `audience_tags` json NULL, `audience_contact_ids` json NULL, `parameters` json NULL, `scheduled_at` datetime NULL, `started_at` datetime NULL, `completed_at` datetime NULL, `tenant_id` text NOT NULL, `channel_id` text NOT NULL, `template_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `campaigns_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `campaigns_channels_campaigns` FOREIGN KEY (`channel_id`) REFERENCES `channels` (`id`) ON DELETE NO ACTION, CONSTRAINT `campaigns_templates_campaigns` FOREIGN KEY (`template_id`) REFERENCES `templates` (`id`) ON DELETE NO ACTION);
-- create index "campaign_tenant_id_status" to table: "campaigns"
CREATE INDEX `campaign_tenant_id_status` ON `campaigns` (`tenant_id`, `status`);
-- create "campaign_recipients" table
CREATE TABLE `campaign_recipients` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `skip_reason` text NULL, `error` json NULL, `campaign_id` text NOT NULL, `tenant_id` text NOT NULL, `contact_id` text NOT NULL, `message_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `campaign_recipients_campaigns_recipients` FOREIGN KEY (`campaign_id`) REFERENCES `campaigns` (`id`) ON DELETE CASCADE, CONSTRAINT `campaign_recipients_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `campaign_recipients_contacts_contact` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE CASCADE, CONSTRAINT `campaign_recipients_messages_message` FOREIGN KEY (`message_id`) REFERENCES `messages` (`id`) ON DELETE SET NULL);
-- create index "campaignrecipient_campaign_id_contact_id" to table: "campaign_recipients"
CREATE UNIQUE INDEX `campaignrecipient_campaign_id_contact_id` ON `campaign_recipients` (`campaign_id`, `contact_id`);
-- create index "campaignrecipient_campaign_id_status" to table: "campaign_recipients"
CREATE INDEX `campaignrecipient_campaign_id_status` ON `campaign_recipients` (`campaign_id`, `status`);
-- create "channels" table
CREATE TABLE `channels` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL DEFAULT ('WHATSAPP'), `name` text NOT NULL, `waba_id` text NOT NULL, `phone_number_id` text NOT NULL, `display_phone_number` text NOT NULL, `status` text NOT NULL DEFAULT ('CONNECTED'), `access_token_ciphertext` blob NULL, `access_token_key_id` text NULL, `meta_user_id` text NULL, `connected_by_id` text NULL, `revoked_at` datetime NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `channels_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "channel_phone_number_id" to table: "channels"
CREATE UNIQUE INDEX `channel_phone_number_id` ON `channels` (`phone_number_id`) WHERE status = 'CONNECTED';
-- create index "channel_tenant_id_status" to table: "channels"
CREATE INDEX `channel_tenant_id_status` ON `channels` (`tenant_id`, `status`);
-- create "contacts" table
CREATE TABLE `contacts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `phone` text NOT NULL, `wa_id` text NULL, `name` text NULL, `profile_name` text NULL, `tags` json NOT NULL, `opt_in_status` text NOT NULL DEFAULT ('UNKNOWN'), `opt_in_source` text NULL, `opt_in_at` datetime NULL, `restricted` bool NOT NULL DEFAULT (false), `last_inbound_at` datetime NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `contacts_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "contact_tenant_id_phone" to table: "contacts"
CREATE UNIQUE INDEX `contact_tenant_id_phone` ON `contacts` (`tenant_id`, `phone`);
-- create index "contact_tenant_id_created_at" to table: "contacts"
CREATE INDEX `contact_tenant_id_created_at` ON `contacts` (`tenant_id`, `created_at`);
-- create "conversations" table
CREATE TABLE `conversations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('OPEN'), `unread_count` integer NOT NULL DEFAULT (0), `last_message_at` datetime NULL, `last_inbound_at` datetime NULL, `service_window_expires_at` datetime NULL, `channel_id` text NOT NULL, `contact_id` text NOT NULL, `tenant_id` text NOT NULL, `assignee_id` text NULL, `last_message_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `conversations_channels_conversations` FOREIGN KEY (`channel_id`) REFERENCES `channels` (`id`) ON DELETE NO ACTION, CONSTRAINT `conversations_contacts_conversations` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE NO ACTION, CONSTRAINT `conversations_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `conversations_users_assignee` FOREIGN KEY (`assignee_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `conversations_messages_last_message` FOREIGN KEY (`last_message_id`) REFERENCES `messages` (`id`) ON DELETE SET NULL);
-- create index "conversation_tenant_id_channel_id_contact_id" to table: "conversations"
CREATE UNIQUE INDEX `conversation_tenant_id_channel_id_contact_id` ON `conversations` (`tenant_id`, `channel_id`, `contact_id`);
-- create index "conversation_tenant_id_last_message_at" to table: "conversations"
CREATE INDEX `conversation_tenant_id_last_message_at` ON `conversations` (`tenant_id`, `last_message_at`);
-- create index "conversation_tenant_id_assignee_id" to table: "conversations"
CREATE INDEX `conversation_tenant_id_assignee_id` ON `conversations` (`tenant_id`, `assignee_id`);
-- create "events" table
CREATE TABLE `events` (`id` text NOT NULL, `seq` integer NOT NULL, `kind` text NOT NULL, `conversation_id` text NULL, `message_id` text NULL, `created_at` datetime NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `events_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "event_tenant_id_seq" to table: "events"
CREATE UNIQUE INDEX `event_tenant_id_seq` ON `events` (`tenant_id`, `seq`);
-- create "jobs" table
CREATE TABLE `jobs` (`id` text NOT NULL, `kind` text NOT NULL, `tenant_id` text NULL, `payload` blob NULL, `unique_key` text NULL, `status` text NOT NULL DEFAULT ('PENDING'), `attempts` integer NOT NULL DEFAULT (0), `max_attempts` integer NOT NULL DEFAULT (10), `run_at` datetime NOT NULL, `locked_until` datetime NULL, `lease` integer NOT NULL DEFAULT (0), `last_error` text NULL, `failed_at` datetime NULL, `created_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- create index "jobs_unique_key_key" to table: "jobs"
CREATE UNIQUE INDEX `jobs_unique_key_key` ON `jobs` (`unique_key`);
-- create index "job_status_run_at" to table: "jobs"
CREATE INDEX `job_status_run_at` ON `jobs` (`status`, `run_at`);
-- create "login_failures" table
CREATE TABLE `login_failures` (`id` text NOT NULL, `key_hash` text NOT NULL, `at` datetime NOT NULL, PRIMARY KEY (`id`));
-- create index "loginfailure_key_hash_at" to table: "login_failures"
CREATE INDEX `loginfailure_key_hash_at` ON `login_failures` (`key_hash`, `at`);
-- create index "loginfailure_at" to table: "login_failures"
CREATE INDEX `loginfailure_at` ON `login_failures` (`at`);
-- create "messages" table
CREATE TABLE `messages` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `channel_id` text NOT NULL, `direction` text NOT NULL, `type` text NOT NULL, `text` text NULL, `media` json NULL, `status` text NOT NULL, `error` json NULL, `external_id` text NULL, `client_message_id` text NULL, `raw` json NULL, `timestamp` datetime NOT NULL, `sent_at` datetime NULL, `delivered_at` datetime NULL, `read_at` datetime NULL, `failed_at` datetime NULL, `conversation_id` text NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `messages_conversations_messages` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`) ON DELETE NO ACTION, CONSTRAINT `messages_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "message_channel_id_external_id" to table: "messages"
CREATE UNIQUE INDEX `message_channel_id_external_id` ON `messages` (`channel_id`, `external_id`);
-- create index "message_tenant_id_client_message_id" to table: "messages"
CREATE UNIQUE INDEX `message_tenant_id_client_message_id` ON `messages` (`tenant_id`, `client_message_id`);
-- create index "message_conversation_id_timestamp" to table: "messages"
CREATE INDEX `message_conversation_id_timestamp` ON `messages` (`conversation_id`, `timestamp`);
-- create index "message_tenant_id_timestamp" to table: "messages"
CREATE INDEX `message_tenant_id_timestamp` ON `messages` (`tenant_id`, `timestamp`);
-- create "pending_status" table
CREATE TABLE `pending_status` (`id` text NOT NULL, `channel_id` text NOT NULL, `external_id` text NOT NULL, `status` text NOT NULL, `timestamp` datetime NOT NULL, `raw` blob NULL, `created_at` datetime NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `pending_status_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "pendingstatus_channel_id_external_id_status" to table: "pending_status"
CREATE UNIQUE INDEX `pendingstatus_channel_id_external_id_status` ON `pending_status` (`channel_id`, `external_id`, `status`);
-- create "privacy_requests" table
CREATE TABLE `privacy_requests` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `status` text NOT NULL DEFAULT ('RECEIVED'), `source` text NOT NULL, `contact_id` text NULL, `phone` text NULL, `details` text NULL, `meta_user_id` text NULL, `confirmation_code` text NOT NULL, `due_at` datetime NOT NULL, `completed_at` datetime NULL, `export` json NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `privacy_requests_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "privacy_requests_confirmation_code_key" to table: "privacy_requests"
CREATE UNIQUE INDEX `privacy_requests_confirmation_code_key` ON `privacy_requests` (`confirmation_code`);
-- create index "privacyrequest_tenant_id_status" to table: "privacy_requests"
CREATE INDEX `privacyrequest_tenant_id_status` ON `privacy_requests` (`tenant_id`, `status`);
-- create "sessions" table
CREATE TABLE `sessions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` text NOT NULL, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `revoked_at` datetime NULL, `last_seen_at` datetime NULL, `ip` text NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `sessions_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "sessions_token_hash_key" to table: "sessions"
CREATE UNIQUE INDEX `sessions_token_hash_key` ON `sessions` (`token_hash`);
-- create index "session_tenant_id_user_id" to table: "sessions"
CREATE INDEX `session_tenant_id_user_id` ON `sessions` (`tenant_id`, `user_id`);
-- create "templates" table
CREATE TABLE `templates` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `language` text NOT NULL, `category` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `rejected_reason` text NULL, `external_id` text NULL, `body` text NULL, `components` json NULL, `channel_id` text NOT NULL, `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `templates_channels_templates` FOREIGN KEY (`channel_id`) REFERENCES `channels` (`id`) ON DELETE NO ACTION, CONSTRAINT `templates_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "template_tenant_id_channel_id_name_language" to table: "templates"
CREATE UNIQUE INDEX `template_tenant_id_channel_id_name_language` ON `templates` (`tenant_id`, `channel_id`, `name`, `language`);
-- create index "template_external_id" to table: "templates"
CREATE INDEX `template_external_id` ON `templates` (`external_id`);
-- create "tenants" table
CREATE TABLE `tenants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `message_retention_days` integer NOT NULL DEFAULT (90), `status` text NOT NULL DEFAULT ('ACTIVE'), `deletion_requested_at` datetime NULL, `event_seq` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- create "throttle_keys" table
CREATE TABLE `throttle_keys` (`id` text NOT NULL, `key_hash` text NOT NULL, `touched_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- create index "throttle_keys_key_hash_key" to table: "throttle_keys"
CREATE UNIQUE INDEX `throttle_keys_key_hash_key` ON `throttle_keys` (`key_hash`);
-- create index "throttlekey_touched_at" to table: "throttle_keys"
CREATE INDEX `throttlekey_touched_at` ON `throttle_keys` (`touched_at`);
-- create "users" table
CREATE TABLE `users` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `name` text NOT NULL, `role` text NOT NULL, `password_hash` text NOT NULL, `disabled` bool NOT NULL DEFAULT (false), `tenant_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `users_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
-- create index "user_email" to table: "users"
CREATE UNIQUE INDEX `user_email` ON `users` (`email`);
-- create index "user_tenant_id_role" to table: "users"
CREATE INDEX `user_tenant_id_role` ON `users` (`tenant_id`, `role`);
-- create "webhook_events" table
CREATE TABLE `webhook_events` (`id` text NOT NULL, `payload` blob NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `tenant_id` text NULL, `error` text NULL, `received_at` datetime NOT NULL, `processed_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "webhookevent_status_received_at" to table: "webhook_events"
CREATE INDEX `webhookevent_status_received_at` ON `webhook_events` (`status`, `received_at`);
-- create index "webhookevent_tenant_id" to table: "webhook_events"
CREATE INDEX `webhookevent_tenant_id` ON `webhook_events` (`tenant_id`);
