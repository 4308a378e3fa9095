-- reverse: create index "retentiontally_tenant_id" to table: "retention_tallies"
DROP INDEX `retentiontally_tenant_id`;
-- reverse: create "retention_tallies" table
DROP TABLE `retention_tallies`;
-- reverse: create "retention_marks" table
DROP TABLE `retention_marks`;
-- reverse: create index "message_tenant_id_purged_at_timestamp" to table: "messages"
DROP INDEX `message_tenant_id_purged_at_timestamp`;
-- reverse: create index "message_tenant_id_updated_at" to table: "messages"
DROP INDEX `message_tenant_id_updated_at`;
-- reverse: create index "message_campaign_id_status" to table: "messages"
DROP INDEX `message_campaign_id_status`;
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
-- reverse: create index "session_expires_at" to table: "sessions"
DROP INDEX `session_expires_at`;
-- reverse: create index "pendingstatus_created_at" to table: "pending_status"
DROP INDEX `pendingstatus_created_at`;
