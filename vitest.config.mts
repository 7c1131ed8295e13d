import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the TypeScript so that Nest's decorator metadata survives (esbuild drops it).
const plugins = [swc.vite({ module: { type: 'es6' } })];
const resolve = { tsconfigPaths: true };

export default defineConfig({
  test: {
    globals: true,
    reporters: ['default'],
    projects: [
      {
        plugins,
        resolve,
        test: {
          name: 'unit',
          globals: true,
          include: [
            'apps/**/*.spec.ts',
            'libs/**/*.spec.ts',
            'tools/**/*.spec.ts',
            'test/**/*.spec.ts',
          ],
        },
      },
      {
        plugins,
        resolve,
        test: {
          name: 'integration',
          globals: true,
          include: [
            'apps/**/*.int-spec.ts',
            'libs/**/*.int-spec.ts',
            'tools/**/*.int-spec.ts',
            'test/**/*.int-spec.ts',
          ],
          setupFiles: ['libs/testing/src/setup/refuse-real-aws.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        plugins,
        resolve,
        test: {
          name: 'e2e',
          globals: true,
          include: ['e2e/**/*.e2e-spec.ts'],
          setupFiles: ['libs/testing/src/setup/refuse-real-aws.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          // After the unit and integration projects, not beside them: journeys through several
          // service processes stalled (no build within minutes) when they ran alongside the
          // integration files' in-process services and their drills on the shared stack.
          sequence: { groupOrder: 1 },
        },
      },
      {
        plugins,
        resolve,
        test: {
          name: 'bench',
          globals: true,
          include: ['bench/**/*.bench.ts'],
          setupFiles: ['libs/testing/src/setup/refuse-real-aws.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
