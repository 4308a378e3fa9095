-- create "meta_callbacks" table
CREATE TABLE "meta_callbacks" ("id" character varying NOT NULL, "kind" character varying NOT NULL, "meta_user_id" character varying NULL, "confirmation_code" character varying NULL, "status" character varying NOT NULL DEFAULT 'RECEIVED', "issued_at" timestamptz NOT NULL, "received_at" timestamptz NOT NULL, "completed_at" timestamptz NULL, "channels" bigint NOT NULL DEFAULT 0, "tenants" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- create index "meta_callbacks_confirmation_code_key" to table: "meta_callbacks"
CREATE UNIQUE INDEX "meta_callbacks_confirmation_code_key" ON "meta_callbacks" ("confirmation_code");
