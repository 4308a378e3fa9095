-- reverse: create index "message_campaign_id_status" to table: "messages"
DROP INDEX "message_campaign_id_status";
