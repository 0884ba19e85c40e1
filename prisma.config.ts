// Prisma CLI configuration (Prisma 7 reads the connection URL from here, not from schema.prisma).
// Migrations are applied by indexer/db/migrate.ts (`npm run db:migrate`): the native schema engine that
// `prisma migrate` needs cannot be downloaded on the project's machines.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/joule" },
});
