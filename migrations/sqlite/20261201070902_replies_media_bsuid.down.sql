-- reverse: create "new_tenants" table
DROP TABLE `new_tenants`;
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
-- reverse: create index "contact_tenant_id_created_at" to table: "contacts"
DROP INDEX `contact_tenant_id_created_at`;
-- reverse: create index "contact_tenant_id_user_id" to table: "contacts"
DROP INDEX `contact_tenant_id_user_id`;
-- reverse: create index "contact_tenant_id_phone" to table: "contacts"
DROP INDEX `contact_tenant_id_phone`;
-- reverse: create "new_contacts" table
DROP TABLE `new_contacts`;
-- reverse: create index "channel_status" to table: "channels"
DROP INDEX `channel_status`;
-- reverse: create index "channel_tenant_id_status" to table: "channels"
DROP INDEX `channel_tenant_id_status`;
-- reverse: create index "channel_phone_number_id" to table: "channels"
DROP INDEX `channel_phone_number_id`;
-- reverse: create "new_channels" table
DROP TABLE `new_channels`;
