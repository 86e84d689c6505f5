// The end-to-end HTTP suites again, with Registrar mounted through the Fastify adapter.
import { runHttpSuitesThrough } from '../helpers/parity.js';

runHttpSuitesThrough('fastify');
