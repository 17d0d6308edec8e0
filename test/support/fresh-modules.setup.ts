// Setup file of the `node` project, whose worker runs file after file (`isolate: false`): each file starts with
// the packages' own modules evaluated afresh, so state a package keeps per process (the token registry shared
// by sources with one cache key, caches) never carries over from an earlier file. Dependencies loaded from
// node_modules (msw, jose, undici …) stay loaded: they are most of what a fresh worker per file would cost.
import { vi } from 'vitest';

vi.resetModules();
