// The end-to-end HTTP suites again, with Registrar mounted through the Hono adapter.
import { runHttpSuitesThrough } from '../helpers/parity.js';

runHttpSuitesThrough('hono');
