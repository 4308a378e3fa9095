-- reverse: modify "campaigns" table
ALTER TABLE "campaigns" DROP COLUMN "pause_kind";
