/**
 * Loaded (node --require) into every process npm start runs beside itself: serverless-offline and
 * the workers. npm start stops them when it is asked to stop; killed itself (SIGKILL, the
 * out-of-memory killer), it cannot, and they went on running as orphans: the next npm start found
 * its port taken and three workers still writing its data directory. So each checks its parent
 * twice a second and, once another process has adopted it, sends itself SIGTERM: the same clean
 * stop as Ctrl-C (the work in hand is finished or given back). Plain CommonJS: it runs before
 * the process's own code, in a bundle or in serverless-offline.
 */
const { clearInterval, setInterval } = require('node:timers');

const parent = Number(process.env.SECORCH_PARENT_PID);
if (parent > 0) {
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  timer.unref();
}
