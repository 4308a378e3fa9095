-- modify "users" table
ALTER TABLE "users" ADD COLUMN "terms_accepted_at" timestamptz NULL, ADD COLUMN "terms_version" character varying NULL, ADD COLUMN "adult_confirmed_at" timestamptz NULL;
-- create "notices" table
CREATE TABLE "notices" ("id" character varying NOT NULL, "tenant_id" character varying NULL, "kind" character varying NOT NULL, "title" character varying NOT NULL, "body" text NOT NULL, "published_at" timestamptz NOT NULL, "expires_at" timestamptz NOT NULL, "created_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- create index "notice_expires_at" to table: "notices"
CREATE INDEX "notice_expires_at" ON "notices" ("expires_at");
-- create index "notice_tenant_id_expires_at" to table: "notices"
CREATE INDEX "notice_tenant_id_expires_at" ON "notices" ("tenant_id", "expires_at");
