-- reverse: create index "usagedaily_tenant_id_day" to table: "usage_dailies"
DROP INDEX `usagedaily_tenant_id_day`;
-- reverse: create index "usagedaily_tenant_id_channel_id_4b14affd96a4d3b3d2324eb5cb4d770e" to table: "usage_dailies"
DROP INDEX `usagedaily_tenant_id_channel_id_4b14affd96a4d3b3d2324eb5cb4d770e`;
-- reverse: create "usage_dailies" table
DROP TABLE `usage_dailies`;
-- reverse: create index "message_channel_id_outside_window_timestamp" to table: "messages"
DROP INDEX `message_channel_id_outside_window_timestamp`;
-- reverse: create index "message_send_state_send_after" to table: "messages"
DROP INDEX `message_send_state_send_after`;
-- reverse: create index "message_channel_id_send_state_send_priority_send_after" to table: "messages"
DROP INDEX `message_channel_id_send_state_send_priority_send_after`;
-- reverse: create index "message_tenant_id_timestamp" to table: "messages"
DROP INDEX `message_tenant_id_timestamp`;
-- reverse: create index "message_conversation_id_timestamp" to table: "messages"
DROP INDEX `message_conversation_id_timestamp`;
-- reverse: create index "message_tenant_id_client_message_id" to table: "messages"
DROP INDEX `message_tenant_id_client_message_id`;
-- reverse: create index "message_channel_id_external_id" to table: "messages"
DROP INDEX `message_channel_id_external_id`;
-- reverse: create "new_messages" table
DROP TABLE `new_messages`;
-- reverse: create index "template_external_id" to table: "templates"
DROP INDEX `template_external_id`;
-- reverse: create index "template_tenant_id_channel_id_name_language" to table: "templates"
DROP INDEX `template_tenant_id_channel_id_name_language`;
-- reverse: create "new_templates" table
DROP TABLE `new_templates`;
-- reverse: create index "campaignrecipient_message_id" to table: "campaign_recipients"
DROP INDEX `campaignrecipient_message_id`;
-- reverse: add column "replied_at" to table: "campaign_recipients"
ALTER TABLE `campaign_recipients` DROP COLUMN `replied_at`;
-- reverse: add column "paused_reason" to table: "campaigns"
ALTER TABLE `campaigns` DROP COLUMN `paused_reason`;
