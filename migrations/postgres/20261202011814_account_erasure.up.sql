-- modify "tenants" table
ALTER TABLE "tenants" ADD COLUMN "erased_at" timestamptz NULL;
