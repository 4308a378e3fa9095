-- reverse: modify "campaign_recipients" table
ALTER TABLE "campaign_recipients" ADD COLUMN "replied_at" timestamptz NULL;
