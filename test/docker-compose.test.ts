// docker-compose.yml cannot run on a machine without a Docker engine; these tests hold it to
// the project: every service's command exists, images are pinned, configuration keys are real.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Env } from '../src/config.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { workerNodeArgs } from '../src/worker-heap.ts';

interface Service {
  build?: string;
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, unknown>;
}

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
const built = services.filter(([, s]) => s.build);

describe('docker-compose.yml', () => {
  it('runs the Temporal server on PostgreSQL with its Web UI', () => {
    expect(compose.services.temporal?.environment?.DB).toBe('postgres12');
    expect(compose.services.postgresql?.image).toMatch(/^postgres:/);
    expect(compose.services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
  });

  it('builds worker, gateway, EM and VIM simulator from the project Dockerfile', () => {
    expect(built.map(([name]) => name).sort()).toEqual(['codec', 'em', 'gateway', 'seed', 'vim', 'worker']);
    expect(existsSync(join(PROJECT_ROOT, 'Dockerfile'))).toBe(true);
  });

  it.each(built)('starts service %s with an entry point that exists in the project', (_name, service) => {
    const command = Array.isArray(service.command) ? service.command : [];
    expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    expect(existsSync(join(PROJECT_ROOT, command[3] ?? 'missing'))).toBe(true);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of services.filter(([, s]) => s.image)) {
      expect(service.image, name).toMatch(/:[0-9][^:]*$/);
    }
  });

  it('names only services that exist in depends_on', () => {
    for (const [name, service] of services) {
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
    }
  });

  it('configures worker and gateway only with keys the configuration schema knows', () => {
    const known = new Set(Object.keys(Env.shape));
    for (const name of ['worker', 'gateway']) {
      for (const key of Object.keys(compose.services[name]?.environment ?? {})) expect(known.has(key), `${name}: ${key}`).toBe(true);
    }
  });

  it('runs the worker with the heap bound of the other launchers, on its command line (Dockerfile) or in NODE_OPTIONS (compose)', () => {
    const bound = workerNodeArgs(Env.parse({}));
    const dockerCmd = /^CMD (.*)$/m.exec(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(dockerCmd ?? '[]')).toEqual(['node', ...bound, '--import', 'tsx', 'src/worker.ts']);
    expect(compose.services.worker?.environment?.NODE_OPTIONS?.split(' ')).toEqual(bound);
  });
});
