-- modify "campaigns" table
ALTER TABLE "campaigns" ADD COLUMN "pause_kind" character varying NULL;
