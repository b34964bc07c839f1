// docker-compose.yml cannot run on a machine without a Docker engine; these tests hold it to
// the project and to `npm run cluster`: the same topology (src/cluster/topology.ts) from the same
// configuration files, every service's command existing, images pinned, configuration keys real.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NAMES, WORKER_NAMES } from '../src/cluster/topology.ts';
import { TEMPORAL_SERVICES } from '../src/cluster/temporal.ts';
import { Env } from '../src/config.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { workerNodeArgs } from '../src/worker-heap.ts';

interface Service {
  build?: string | { context: string; dockerfile: string };
  image?: string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, unknown>;
  volumes?: string[];
}

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
const fromProjectImage = services.filter(([, s]) => s.build === '.');
const temporalServices = TEMPORAL_SERVICES.map((service) => {
  const found = services.find(([, s]) => Array.isArray(s.command) && s.command.at(-1) === service && s.command.includes('--service'));
  return [service, found] as const;
});
const vnfmProcesses = [...GATEWAY_NAMES, ...WORKER_NAMES];
/** `source:target[:ro]`, where the source may hold `${VAR:?message}`: split at the last colon of the rest. */
function mountOf(volume: string): [string, string] {
  const rest = volume.replace(/:(ro|rw)$/, '');
  const colon = rest.lastIndexOf(':');
  return [rest.slice(0, colon), rest.slice(colon + 1)];
}
const mountedFrom = (service: Service, target: string): string | undefined =>
  service.volumes?.map(mountOf).find(([, to]) => to === target)?.[0];

describe('docker-compose.yml', () => {
  it('runs the Temporal server as its four services, each from cluster/temporal-server.yaml', () => {
    for (const [service, found] of temporalServices) {
      expect(found, service).toBeDefined();
      const [, definition] = found!;
      expect(definition.command).toEqual(['--config-file', '/etc/temporal/cluster/temporal-server.yaml', '--allow-no-auth', 'start', '--service', service]);
      expect(mountedFrom(definition, '/etc/temporal/cluster')).toBe('./cluster');
    }
  });

  it('sets every variable cluster/temporal-server.yaml reads without a default, for each Temporal service', () => {
    const template = readFileSync(join(PROJECT_ROOT, 'cluster', 'temporal-server.yaml'), 'utf8');
    const required = [...template.matchAll(/\{\{-? *(?:env "(\w+)"|if env "(\w+)")/g)].map((m) => m[1] ?? m[2]!);
    expect(required.length).toBeGreaterThan(5);
    for (const [service, found] of temporalServices) {
      for (const name of required) expect(found![1].environment?.[name], `${service}: ${name}`).toBeDefined();
    }
  });

  it('gives the Web UI cluster/ui-server.yaml as its config, and the frontend the dynamic config of npm run cluster', () => {
    expect(mountedFrom(compose.services['temporal-ui']!, '/etc/temporal/ui/config/docker.yaml')).toBe('./cluster/ui-server.yaml');
    const dynamic = temporalServices[0]![1]![1].environment?.TEMPORAL_DYNAMIC_CONFIG_FILE;
    expect(dynamic).toBe('/etc/temporal/cluster/dynamicconfig.yaml');
    for (const file of ['temporal-server.yaml', 'dynamicconfig.yaml', 'ui-server.yaml', 'postgres-roles.sh', 'Dockerfile.temporal']) {
      expect(existsSync(join(PROJECT_ROOT, 'cluster', file)), file).toBe(true);
    }
  });

  it('runs the gateways and workers of npm run cluster, each on a volume no other service mounts', () => {
    const dataVolumes = vnfmProcesses.map((name) => mountedFrom(compose.services[name]!, '/data'));
    expect(dataVolumes.every((volume) => volume !== undefined)).toBe(true);
    const everyMount = services.flatMap(([, s]) => (s.volumes ?? []).map((v) => mountOf(v)[0]));
    for (const volume of dataVolumes) expect(everyMount.filter((v) => v === volume)).toHaveLength(1);
  });

  it('connects every gateway and worker to Temporal with mutual TLS and to the shared PostgreSQL', () => {
    for (const name of vnfmProcesses) {
      const env = compose.services[name]!.environment ?? {};
      expect(env.TEMPORAL_TLS_CLIENT_CERT_PATH, name).toBe('/tls/vnfm.pem');
      expect(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH, name).toBe('/tls/ca.pem');
      expect(env.VNFM_DATABASE_URL, name).toMatch(/^postgres:\/\/vnfm:.*@postgresql:5432\/vnfm$/);
      expect(mountedFrom(compose.services[name]!, '/tls'), name).toBeDefined();
    }
  });

  it('builds the VNFM\'s processes from the project Dockerfile, on entry points that exist', () => {
    expect(fromProjectImage.map(([name]) => name).sort()).toEqual(
      ['codec', 'em', 'seed', 'temporal-namespace', 'vim', ...vnfmProcesses].sort(),
    );
    expect(existsSync(join(PROJECT_ROOT, 'Dockerfile'))).toBe(true);
    for (const [name, service] of fromProjectImage) {
      const command = Array.isArray(service.command) ? service.command : [];
      expect(command.slice(0, 3), name).toEqual(['node', '--import', 'tsx']);
      expect(existsSync(join(PROJECT_ROOT, command[3] ?? 'missing')), name).toBe(true);
    }
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

  it('configures the VNFM\'s processes only with keys the configuration schema knows', () => {
    const known = new Set(Object.keys(Env.shape));
    for (const name of [...vnfmProcesses, 'temporal-namespace']) {
      for (const key of Object.keys(compose.services[name]?.environment ?? {})) expect(known.has(key), `${name}: ${key}`).toBe(true);
    }
  });

  it('runs the worker with the heap bound of the other launchers, on its command line (Dockerfile) or in NODE_OPTIONS (compose)', () => {
    const bound = workerNodeArgs(Env.parse({}));
    const dockerCmd = /^CMD (.*)$/m.exec(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(dockerCmd ?? '[]')).toEqual(['node', ...bound, '--import', 'tsx', 'src/worker.ts']);
    for (const worker of ['worker-a', 'worker-b']) expect(compose.services[worker]?.environment?.NODE_OPTIONS?.split(' '), worker).toEqual(bound);
  });
});
