import type { Deps } from '../../../shared/ports';
import { healthRoutes } from '../../../functions/health/routes';
import { httpRouter } from '../../../shared/http/router';
import { awsHttp } from '../../aws/http';
import { once } from '../../common/once';
import { dataDir, localDeps } from '../deps';
import { staleAfterMs, workerReadiness } from '../worker-readiness';
import { supervisorOf, workerStateDir } from '../worker-state';

/**
 * The local deps, and under npm start the checks of the workers it records for GET
 * /health/ready. serverless-offline run on its own has no workers to check.
 */
export function healthDeps(env: Record<string, string | undefined> = process.env) {
  return once(async (): Promise<Deps> => {
    const deps = await localDeps();
    const supervisor = supervisorOf(env);
    if (supervisor === undefined) return deps;
    const dir = workerStateDir(dataDir(env), supervisor);
    return { ...deps, readiness: workerReadiness({ dir, clock: deps.clock, staleMs: staleAfterMs(deps.config) }) };
  });
}

export const handler = awsHttp(httpRouter(healthRoutes), healthDeps());
