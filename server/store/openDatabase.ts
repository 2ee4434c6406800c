// The PostgreSQL engine and its driver (pg) are loaded only when a database is named: a server on a
// file store starts without them. Loading pg alone costs tens of milliseconds, for it probes the
// runtime it runs in as it loads.
import type { openPostgres } from './postgres/openPostgres';

export const openDatabase: typeof openPostgres = async (...args) => (await import('./postgres/openPostgres')).openPostgres(...args);
