-- reverse: modify "users" table
ALTER TABLE "users" DROP CONSTRAINT "users_tenants_tenant";
-- reverse: modify "templates" table
ALTER TABLE "templates" DROP CONSTRAINT "templates_tenants_tenant", DROP CONSTRAINT "templates_channels_templates";
-- reverse: modify "sessions" table
ALTER TABLE "sessions" DROP CONSTRAINT "sessions_tenants_tenant";
-- reverse: modify "privacy_requests" table
ALTER TABLE "privacy_requests" DROP CONSTRAINT "privacy_requests_tenants_tenant";
-- reverse: modify "pending_status" table
ALTER TABLE "pending_status" DROP CONSTRAINT "pending_status_tenants_tenant";
-- reverse: modify "messages" table
ALTER TABLE "messages" DROP CONSTRAINT "messages_tenants_tenant", DROP CONSTRAINT "messages_conversations_messages";
-- reverse: modify "events" table
ALTER TABLE "events" DROP CONSTRAINT "events_tenants_tenant";
-- reverse: modify "conversations" table
ALTER TABLE "conversations" DROP CONSTRAINT "conversations_users_assignee", DROP CONSTRAINT "conversations_tenants_tenant", DROP CONSTRAINT "conversations_messages_last_message", DROP CONSTRAINT "conversations_contacts_conversations", DROP CONSTRAINT "conversations_channels_conversations";
-- reverse: modify "contacts" table
ALTER TABLE "contacts" DROP CONSTRAINT "contacts_tenants_tenant";
-- reverse: modify "channels" table
ALTER TABLE "channels" DROP CONSTRAINT "channels_tenants_tenant";
-- reverse: modify "campaign_recipients" table
ALTER TABLE "campaign_recipients" DROP CONSTRAINT "campaign_recipients_tenants_tenant", DROP CONSTRAINT "campaign_recipients_messages_message", DROP CONSTRAINT "campaign_recipients_contacts_contact", DROP CONSTRAINT "campaign_recipients_campaigns_recipients";
-- reverse: modify "campaigns" table
ALTER TABLE "campaigns" DROP CONSTRAINT "campaigns_tenants_tenant", DROP CONSTRAINT "campaigns_templates_campaigns", DROP CONSTRAINT "campaigns_channels_campaigns";
-- reverse: modify "audit_logs" table
ALTER TABLE "audit_logs" DROP CONSTRAINT "audit_logs_users_actor", DROP CONSTRAINT "audit_logs_tenants_tenant";
-- reverse: modify "api_keys" table
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_tenants_tenant";
-- reverse: create index "webhookevent_tenant_id" to table: "webhook_events"
DROP INDEX "webhookevent_tenant_id";
-- reverse: create index "webhookevent_status_received_at" to table: "webhook_events"
DROP INDEX "webhookevent_status_received_at";
-- reverse: create "webhook_events" table
DROP TABLE "webhook_events";
-- reverse: create index "user_tenant_id_role" to table: "users"
DROP INDEX "user_tenant_id_role";
-- reverse: create index "user_email" to table: "users"
DROP INDEX "user_email";
-- reverse: create "users" table
DROP TABLE "users";
-- reverse: create index "throttlekey_touched_at" to table: "throttle_keys"
DROP INDEX "throttlekey_touched_at";
-- reverse: create index "throttle_keys_key_hash_key" to table: "throttle_keys"
DROP INDEX "throttle_keys_key_hash_key";
-- reverse: create "throttle_keys" table
DROP TABLE "throttle_keys";
-- reverse: create "tenants" table
DROP TABLE "tenants";
-- reverse: create index "template_tenant_id_channel_id_name_language" to table: "templates"
DROP INDEX "template_tenant_id_channel_id_name_language";
-- reverse: create index "template_external_id" to table: "templates"
DROP INDEX "template_external_id";
-- reverse: create "templates" table
DROP TABLE "templates";
-- reverse: create index "sessions_token_hash_key" to table: "sessions"
DROP INDEX "sessions_token_hash_key";
-- reverse: create index "session_tenant_id_user_id" to table: "sessions"
DROP INDEX "session_tenant_id_user_id";
-- reverse: create "sessions" table
DROP TABLE "sessions";
-- reverse: create index "privacyrequest_tenant_id_status" to table: "privacy_requests"
DROP INDEX "privacyrequest_tenant_id_status";
-- reverse: create index "privacy_requests_confirmation_code_key" to table: "privacy_requests"
DROP INDEX "privacy_requests_confirmation_code_key";
-- reverse: create "privacy_requests" table
DROP TABLE "privacy_requests";
-- reverse: create index "pendingstatus_channel_id_external_id_status" to table: "pending_status"
DROP INDEX "pendingstatus_channel_id_external_id_status";
-- reverse: create "pending_status" table
DROP TABLE "pending_status";
-- reverse: create index "message_tenant_id_timestamp" to table: "messages"
DROP INDEX "message_tenant_id_timestamp";
-- reverse: create index "message_tenant_id_client_message_id" to table: "messages"
DROP INDEX "message_tenant_id_client_message_id";
-- reverse: create index "message_conversation_id_timestamp" to table: "messages"
DROP INDEX "message_conversation_id_timestamp";
-- reverse: create index "message_channel_id_external_id" to table: "messages"
DROP INDEX "message_channel_id_external_id";
-- reverse: create "messages" table
DROP TABLE "messages";
-- reverse: create index "loginfailure_key_hash_at" to table: "login_failures"
DROP INDEX "loginfailure_key_hash_at";
-- reverse: create index "loginfailure_at" to table: "login_failures"
DROP INDEX "loginfailure_at";
-- reverse: create "login_failures" table
DROP TABLE "login_failures";
-- reverse: create index "jobs_unique_key_key" to table: "jobs"
DROP INDEX "jobs_unique_key_key";
-- reverse: create index "job_status_run_at" to table: "jobs"
DROP INDEX "job_status_run_at";
-- reverse: create "jobs" table
DROP TABLE "jobs";
-- reverse: create index "event_tenant_id_seq" to table: "events"
DROP INDEX "event_tenant_id_seq";
-- reverse: create "events" table
DROP TABLE "events";
-- reverse: create index "conversation_tenant_id_last_message_at" to table: "conversations"
DROP INDEX "conversation_tenant_id_last_message_at";
-- reverse: create index "conversation_tenant_id_channel_id_contact_id" to table: "conversations"
DROP INDEX "conversation_tenant_id_channel_id_contact_id";
-- reverse: create index "conversation_tenant_id_assignee_id" to table: "conversations"
DROP INDEX "conversation_tenant_id_assignee_id";
-- reverse: create "conversations" table
DROP TABLE "conversations";
-- reverse: create index "contact_tenant_id_phone" to table: "contacts"
DROP INDEX "contact_tenant_id_phone";
-- reverse: create index "contact_tenant_id_created_at" to table: "contacts"
DROP INDEX "contact_tenant_id_created_at";
-- reverse: create "contacts" table
DROP TABLE "contacts";
-- reverse: create index "channel_tenant_id_status" to table: "channels"
DROP INDEX "channel_tenant_id_status";
-- reverse: create index "channel_phone_number_id" to table: "channels"
DROP INDEX "channel_phone_number_id";
-- reverse: create "channels" table
DROP TABLE "channels";
-- reverse: create index "campaignrecipient_campaign_id_status" to table: "campaign_recipients"
DROP INDEX "campaignrecipient_campaign_id_status";
-- reverse: create index "campaignrecipient_campaign_id_contact_id" to table: "campaign_recipients"
DROP INDEX "campaignrecipient_campaign_id_contact_id";
-- reverse: create "campaign_recipients" table
DROP TABLE "campaign_recipients";
-- reverse: create index "campaign_tenant_id_status" to table: "campaigns"
DROP INDEX "campaign_tenant_id_status";
-- reverse: create "campaigns" table
DROP TABLE "campaigns";
-- reverse: create index "auditlog_tenant_id_created_at" to table: "audit_logs"
DROP INDEX "auditlog_tenant_id_created_at";
-- reverse: create index "auditlog_tenant_id_action" to table: "audit_logs"
DROP INDEX "auditlog_tenant_id_action";
-- reverse: create "audit_logs" table
DROP TABLE "audit_logs";
-- reverse: create index "api_keys_secret_hash_key" to table: "api_keys"
DROP INDEX "api_keys_secret_hash_key";
-- reverse: create "api_keys" table
DROP TABLE "api_keys";
