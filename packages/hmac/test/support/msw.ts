// One msw helper for every package's tests: any unhandled request fails the test.
export { useMswServer } from '../../../../test/support/msw.ts';
