// The end-to-end HTTP suites again, with Registrar mounted through the Express adapter.
import { runHttpSuitesThrough } from '../helpers/parity.js';

runHttpSuitesThrough('express');
