-- reverse: create "rollup_marks" table
DROP TABLE `rollup_marks`;
-- reverse: create index "messagedaily_tenant_id_day_channel_id_direction_status" to table: "message_dailies"
DROP INDEX `messagedaily_tenant_id_day_channel_id_direction_status`;
-- reverse: create "message_dailies" table
DROP TABLE `message_dailies`;
-- reverse: create index "message_tenant_id_updated_at" to table: "messages"
DROP INDEX `message_tenant_id_updated_at`;
