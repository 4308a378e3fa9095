-- modify "campaign_recipients" table
ALTER TABLE "campaign_recipients" DROP COLUMN "replied_at";
