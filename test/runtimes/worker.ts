// Entry for workerd: a Worker whose fetch handler runs the suite with the config it is POSTed.
import { type ConformanceConfig, runConformance } from './conformance.ts';

export default {
  async fetch(request: Request): Promise<Response> {
    const config = (await request.json()) as ConformanceConfig;
    return Response.json(await runConformance(config));
  },
};
