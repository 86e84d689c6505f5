// The end-to-end suites listed in test/e2e/suites.ts again, with Registrar mounted through the
// Express adapter.
import { runHttpSuitesThrough } from '../helpers/parity.js';

runHttpSuitesThrough('express');
