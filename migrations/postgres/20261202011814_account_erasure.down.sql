-- reverse: modify "tenants" table
ALTER TABLE "tenants" DROP COLUMN "erased_at";
