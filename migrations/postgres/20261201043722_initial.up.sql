-- create "api_keys" table
CREATE TABLE "api_keys" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "secret_hash" character varying NOT NULL, "role" character varying NOT NULL DEFAULT 'ADMIN', "created_by_id" character varying NULL, "last_used_at" timestamptz NULL, "revoked_at" timestamptz NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "api_keys_secret_hash_key" to table: "api_keys"
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys" ("secret_hash");
-- create "audit_logs" table
CREATE TABLE "audit_logs" ("id" character varying NOT NULL, "api_key_id" character varying NULL, "action" character varying NOT NULL, "target_type" character varying NULL, "target_id" character varying NULL, "ip" character varying NULL, "metadata" jsonb NULL, "created_at" timestamptz NOT NULL, "tenant_id" character varying NOT NULL, "actor_id" character varying NULL, PRIMARY KEY ("id"));
-- create index "auditlog_tenant_id_action" to table: "audit_logs"
CREATE INDEX "auditlog_tenant_id_action" ON "audit_logs" ("tenant_id", "action");
-- create index "auditlog_tenant_id_created_at" to table: "audit_logs"
CREATE INDEX "auditlog_tenant_id_created_at" ON "audit_logs" ("tenant_id", "created_at");
-- create "campaigns" table
CREATE TABLE "campaigns" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'DRAFT', "audience_tags" jsonb NULL, "audience_contact_ids" jsonb NULL, "parameters" jsonb NULL, "scheduled_at" timestamptz NULL, "started_at" timestamptz NULL, "completed_at" timestamptz NULL, "tenant_id" character varying NOT NULL, "channel_id" character varying NOT NULL, "template_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "campaign_tenant_id_status" to table: "campaigns"
CREATE INDEX "campaign_tenant_id_status" ON "campaigns" ("tenant_id", "status");
-- create "campaign_recipients" table
CREATE TABLE "campaign_recipients" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "skip_reason" character varying NULL, "error" jsonb NULL, "campaign_id" character varying NOT NULL, "tenant_id" character varying NOT NULL, "contact_id" character varying NOT NULL, "message_id" character varying NULL, PRIMARY KEY ("id"));
-- create index "campaignrecipient_campaign_id_contact_id" to table: "campaign_recipients"
CREATE UNIQUE INDEX "campaignrecipient_campaign_id_contact_id" ON "campaign_recipients" ("campaign_id", "contact_id");
-- create index "campaignrecipient_campaign_id_status" to table: "campaign_recipients"
CREATE INDEX "campaignrecipient_campaign_id_status" ON "campaign_recipients" ("campaign_id", "status");
-- create "channels" table
CREATE TABLE "channels" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "kind" character varying NOT NULL DEFAULT 'WHATSAPP', "name" character varying NOT NULL, "waba_id" character varying NOT NULL, "phone_number_id" character varying NOT NULL, "display_phone_number" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'CONNECTED', "access_token_ciphertext" bytea NULL, "access_token_key_id" character varying NULL, "meta_user_id" character varying NULL, "connected_by_id" character varying NULL, "revoked_at" timestamptz NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "channel_phone_number_id" to table: "channels"
CREATE UNIQUE INDEX "channel_phone_number_id" ON "channels" ("phone_number_id") WHERE ((status)::text = 'CONNECTED'::text);
-- create index "channel_tenant_id_status" to table: "channels"
CREATE INDEX "channel_tenant_id_status" ON "channels" ("tenant_id", "status");
-- create "contacts" table
CREATE TABLE "contacts" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "phone" character varying NOT NULL, "wa_id" character varying NULL, "name" character varying NULL, "profile_name" character varying NULL, "tags" jsonb NOT NULL, "opt_in_status" character varying NOT NULL DEFAULT 'UNKNOWN', "opt_in_source" character varying NULL, "opt_in_at" timestamptz NULL, "restricted" boolean NOT NULL DEFAULT false, "last_inbound_at" timestamptz NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "contact_tenant_id_created_at" to table: "contacts"
CREATE INDEX "contact_tenant_id_created_at" ON "contacts" ("tenant_id", "created_at");
-- create index "contact_tenant_id_phone" to table: "contacts"
CREATE UNIQUE INDEX "contact_tenant_id_phone" ON "contacts" ("tenant_id", "phone");
-- create "conversations" table
CREATE TABLE "conversations" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "status" character varying NOT NULL DEFAULT 'OPEN', "unread_count" bigint NOT NULL DEFAULT 0, "last_message_at" timestamptz NULL, "last_inbound_at" timestamptz NULL, "service_window_expires_at" timestamptz NULL, "channel_id" character varying NOT NULL, "contact_id" character varying NOT NULL, "tenant_id" character varying NOT NULL, "assignee_id" character varying NULL, "last_message_id" character varying NULL, PRIMARY KEY ("id"));
-- create index "conversation_tenant_id_assignee_id" to table: "conversations"
CREATE INDEX "conversation_tenant_id_assignee_id" ON "conversations" ("tenant_id", "assignee_id");
-- create index "conversation_tenant_id_channel_id_contact_id" to table: "conversations"
CREATE UNIQUE INDEX "conversation_tenant_id_channel_id_contact_id" ON "conversations" ("tenant_id", "channel_id", "contact_id");
-- create index "conversation_tenant_id_last_message_at" to table: "conversations"
CREATE INDEX "conversation_tenant_id_last_message_at" ON "conversations" ("tenant_id", "last_message_at");
-- create "events" table
CREATE TABLE "events" ("id" character varying NOT NULL, "seq" bigint NOT NULL, "kind" character varying NOT NULL, "conversation_id" character varying NULL, "message_id" character varying NULL, "created_at" timestamptz NOT NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "event_tenant_id_seq" to table: "events"
CREATE UNIQUE INDEX "event_tenant_id_seq" ON "events" ("tenant_id", "seq");
-- create "jobs" table
CREATE TABLE "jobs" ("id" character varying NOT NULL, "kind" character varying NOT NULL, "tenant_id" character varying NULL, "payload" bytea NULL, "unique_key" character varying NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "attempts" bigint NOT NULL DEFAULT 0, "max_attempts" bigint NOT NULL DEFAULT 10, "run_at" timestamptz NOT NULL, "locked_until" timestamptz NULL, "lease" bigint NOT NULL DEFAULT 0, "last_error" character varying NULL, "failed_at" timestamptz NULL, "created_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- create index "job_status_run_at" to table: "jobs"
CREATE INDEX "job_status_run_at" ON "jobs" ("status", "run_at");
-- create index "jobs_unique_key_key" to table: "jobs"
CREATE UNIQUE INDEX "jobs_unique_key_key" ON "jobs" ("unique_key");
-- create "login_failures" table
CREATE TABLE "login_failures" ("id" character varying NOT NULL, "key_hash" character varying NOT NULL, "at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- create index "loginfailure_at" to table: "login_failures"
CREATE INDEX "loginfailure_at" ON "login_failures" ("at");
-- create index "loginfailure_key_hash_at" to table: "login_failures"
CREATE INDEX "loginfailure_key_hash_at" ON "login_failures" ("key_hash", "at");
-- create "messages" table
CREATE TABLE "messages" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "channel_id" character varying NOT NULL, "direction" character varying NOT NULL, "type" character varying NOT NULL, "text" text NULL, "media" jsonb NULL, "status" character varying NOT NULL, "error" jsonb NULL, "external_id" character varying NULL, "client_message_id" character varying NULL, "raw" jsonb NULL, "timestamp" timestamptz NOT NULL, "sent_at" timestamptz NULL, "delivered_at" timestamptz NULL, "read_at" timestamptz NULL, "failed_at" timestamptz NULL, "conversation_id" character varying NOT NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "message_channel_id_external_id" to table: "messages"
CREATE UNIQUE INDEX "message_channel_id_external_id" ON "messages" ("channel_id", "external_id");
-- create index "message_conversation_id_timestamp" to table: "messages"
CREATE INDEX "message_conversation_id_timestamp" ON "messages" ("conversation_id", "timestamp");
-- create index "message_tenant_id_client_message_id" to table: "messages"
CREATE UNIQUE INDEX "message_tenant_id_client_message_id" ON "messages" ("tenant_id", "client_message_id");
-- create index "message_tenant_id_timestamp" to table: "messages"
CREATE INDEX "message_tenant_id_timestamp" ON "messages" ("tenant_id", "timestamp");
-- create "pending_status" table
CREATE TABLE "pending_status" ("id" character varying NOT NULL, "channel_id" character varying NOT NULL, "external_id" character varying NOT NULL, "status" character varying NOT NULL, "timestamp" timestamptz NOT NULL, "raw" bytea NULL, "created_at" timestamptz NOT NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "pendingstatus_channel_id_external_id_status" to table: "pending_status"
CREATE UNIQUE INDEX "pendingstatus_channel_id_external_id_status" ON "pending_status" ("channel_id", "external_id", "status");
-- create "privacy_requests" table
CREATE TABLE "privacy_requests" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "kind" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'RECEIVED', "source" character varying NOT NULL, "contact_id" character varying NULL, "phone" character varying NULL, "details" text NULL, "meta_user_id" character varying NULL, "confirmation_code" character varying NOT NULL, "due_at" timestamptz NOT NULL, "completed_at" timestamptz NULL, "export" jsonb NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "privacy_requests_confirmation_code_key" to table: "privacy_requests"
CREATE UNIQUE INDEX "privacy_requests_confirmation_code_key" ON "privacy_requests" ("confirmation_code");
-- create index "privacyrequest_tenant_id_status" to table: "privacy_requests"
CREATE INDEX "privacyrequest_tenant_id_status" ON "privacy_requests" ("tenant_id", "status");
-- create "sessions" table
CREATE TABLE "sessions" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "user_id" character varying NOT NULL, "token_hash" character varying NOT NULL, "expires_at" timestamptz NOT NULL, "revoked_at" timestamptz NULL, "last_seen_at" timestamptz NULL, "ip" character varying NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "session_tenant_id_user_id" to table: "sessions"
CREATE INDEX "session_tenant_id_user_id" ON "sessions" ("tenant_id", "user_id");
-- create index "sessions_token_hash_key" to table: "sessions"
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions" ("token_hash");
-- create "templates" table
CREATE TABLE "templates" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "language" character varying NOT NULL, "category" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "rejected_reason" character varying NULL, "external_id" character varying NULL, "body" text NULL, "components" jsonb NULL, "channel_id" character varying NOT NULL, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "template_external_id" to table: "templates"
CREATE INDEX "template_external_id" ON "templates" ("external_id");
-- create index "template_tenant_id_channel_id_name_language" to table: "templates"
CREATE UNIQUE INDEX "template_tenant_id_channel_id_name_language" ON "templates" ("tenant_id", "channel_id", "name", "language");
-- create "tenants" table
CREATE TABLE "tenants" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "message_retention_days" bigint NOT NULL DEFAULT 90, "status" character varying NOT NULL DEFAULT 'ACTIVE', "deletion_requested_at" timestamptz NULL, "event_seq" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- create "throttle_keys" table
CREATE TABLE "throttle_keys" ("id" character varying NOT NULL, "key_hash" character varying NOT NULL, "touched_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- create index "throttle_keys_key_hash_key" to table: "throttle_keys"
CREATE UNIQUE INDEX "throttle_keys_key_hash_key" ON "throttle_keys" ("key_hash");
-- create index "throttlekey_touched_at" to table: "throttle_keys"
CREATE INDEX "throttlekey_touched_at" ON "throttle_keys" ("touched_at");
-- create "users" table
CREATE TABLE "users" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "email" character varying NOT NULL, "name" character varying NOT NULL, "role" character varying NOT NULL, "password_hash" character varying NOT NULL, "disabled" boolean NOT NULL DEFAULT false, "tenant_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "user_email" to table: "users"
CREATE UNIQUE INDEX "user_email" ON "users" ("email");
-- create index "user_tenant_id_role" to table: "users"
CREATE INDEX "user_tenant_id_role" ON "users" ("tenant_id", "role");
-- create "webhook_events" table
CREATE TABLE "webhook_events" ("id" character varying NOT NULL, "payload" bytea NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "tenant_id" character varying NULL, "error" character varying NULL, "received_at" timestamptz NOT NULL, "processed_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "webhookevent_status_received_at" to table: "webhook_events"
CREATE INDEX "webhookevent_status_received_at" ON "webhook_events" ("status", "received_at");
-- create index "webhookevent_tenant_id" to table: "webhook_events"
CREATE INDEX "webhookevent_tenant_id" ON "webhook_events" ("tenant_id");
-- modify "api_keys" table
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "audit_logs" table
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "audit_logs_users_actor" FOREIGN KEY ("actor_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- modify "campaigns" table
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_channels_campaigns" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "campaigns_templates_campaigns" FOREIGN KEY ("template_id") REFERENCES "templates" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "campaigns_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "campaign_recipients" table
ALTER TABLE "campaign_recipients" ADD CONSTRAINT "campaign_recipients_campaigns_recipients" FOREIGN KEY ("campaign_id") REFERENCES "campaigns" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, ADD CONSTRAINT "campaign_recipients_contacts_contact" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, ADD CONSTRAINT "campaign_recipients_messages_message" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "campaign_recipients_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "channels" table
ALTER TABLE "channels" ADD CONSTRAINT "channels_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "contacts" table
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "conversations" table
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_channels_conversations" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "conversations_contacts_conversations" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "conversations_messages_last_message" FOREIGN KEY ("last_message_id") REFERENCES "messages" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "conversations_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "conversations_users_assignee" FOREIGN KEY ("assignee_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- modify "events" table
ALTER TABLE "events" ADD CONSTRAINT "events_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "messages" table
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversations_messages" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "messages_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "pending_status" table
ALTER TABLE "pending_status" ADD CONSTRAINT "pending_status_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "privacy_requests" table
ALTER TABLE "privacy_requests" ADD CONSTRAINT "privacy_requests_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "sessions" table
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "templates" table
ALTER TABLE "templates" ADD CONSTRAINT "templates_channels_templates" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "templates_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- modify "users" table
ALTER TABLE "users" ADD CONSTRAINT "users_tenants_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
