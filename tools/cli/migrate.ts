import { migrateAll, migrateEnvFrom } from './migrate-all.js';

migrateAll(migrateEnvFrom(process.env)).catch((error: Error) => {
  console.error(`migrate failed: ${error.message}`);
  process.exit(1);
});
