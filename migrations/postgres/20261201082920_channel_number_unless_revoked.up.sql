-- drop index "channel_phone_number_id" from table: "channels"
DROP INDEX "channel_phone_number_id";
-- create index "channel_phone_number_id" to table: "channels"
CREATE UNIQUE INDEX "channel_phone_number_id" ON "channels" ("phone_number_id") WHERE ((status)::text <> 'REVOKED'::text);
