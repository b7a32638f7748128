// `node --import ./test/helpers/module-log.mjs`: appends the URL of every module the process
// resolves whose URL contains "@opentelemetry" to the file PARLEY_MODULE_LOG names (the
// tracing tests prove which packages a server loads). The hooks run on Node's loader thread.
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);
