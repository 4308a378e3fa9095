-- reverse: create index "channel_status" to table: "channels"
DROP INDEX `channel_status`;
-- reverse: create index "channel_tenant_id_status" to table: "channels"
DROP INDEX `channel_tenant_id_status`;
-- reverse: create index "channel_phone_number_id" to table: "channels"
DROP INDEX `channel_phone_number_id`;
-- reverse: create "new_channels" table
DROP TABLE `new_channels`;
