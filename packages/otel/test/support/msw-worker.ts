// One msw worker helper for every package's browser tests.
export { useMswWorker } from '../../../../test/support/msw-worker.ts';
