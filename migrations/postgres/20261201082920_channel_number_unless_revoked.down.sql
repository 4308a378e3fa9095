-- reverse: create index "channel_phone_number_id" to table: "channels"
DROP INDEX "channel_phone_number_id";
-- reverse: drop index "channel_phone_number_id" from table: "channels"
CREATE UNIQUE INDEX "channel_phone_number_id" ON "channels" ("phone_number_id") WHERE ((status)::text = 'CONNECTED'::text);
