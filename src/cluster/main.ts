// `npm run cluster`: the production shape on this machine (src/cluster/topology.ts), state in
// CLUSTER_DIR (.cluster/), the two sample packages and a sample VNF onboarded through the
// shared stores. It prints where everything is; Ctrl-C stops it; a second run resumes.
import { loadClusterConfig } from '../config.ts';
import { ensureSampleInstance } from '../inventory/sample.ts';
import type { VnfPackageRecord } from '../inventory/store.ts';
import { onboardSamplePackagesAsCsar } from '../packages/onboard-samples.ts';
import { openStores } from '../stores.ts';
import { ReferenceEmProcess } from './reference-em.ts';
import { Cluster, GATEWAY_NAMES, temporalPortsFrom, WORKER_NAMES } from './topology.ts';

/** Set once the parts exist: stops them and exits (Ctrl-C, a part that died, a failed start). */
let stopAndExit: (code: number) => void = (code) => process.exit(code);

async function main(): Promise<void> {
  const config = loadClusterConfig();
  const started = Date.now();
  const cluster = new Cluster({
    dir: config.CLUSTER_DIR,
    ports: {
      postgres: config.CLUSTER_POSTGRES_PORT,
      temporal: temporalPortsFrom(config.CLUSTER_TEMPORAL_PORT),
      ui: config.CLUSTER_UI_PORT,
      codec: config.CLUSTER_CODEC_PORT,
      em: config.CLUSTER_EM_PORT,
      vim: config.CLUSTER_VIM_PORT,
      gateways: [config.CLUSTER_GATEWAY_A_PORT, config.CLUSTER_GATEWAY_B_PORT],
    },
    historyShards: 4,
    namespace: 'default',
    taskQueue: 'vnflcm',
    ui: true,
    log: (name, line) => console.log(`${`[${name}]`.padEnd(20)} ${line}`),
  });
  const log = (name: string, line: string) => console.log(`${`[${name}]`.padEnd(20)} ${line}`);
  const em = new ReferenceEmProcess(config.CLUSTER_EM_PORT, log);
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('stopping the cluster...');
    void em.process.stop().then(() => cluster.stop()).finally(() => process.exit(code));
  };
  stopAndExit = stop;
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  for (const part of [cluster.postgres.process, ...Object.values(cluster.temporal), cluster.vim, cluster.codec, ...cluster.gateways, ...cluster.workers, em.process]) {
    part.onUnexpectedExit = (name, how) => {
      console.error(`[${name}] exited (${how}); stopping everything`);
      stop(1);
    };
  }
  await cluster.start();
  await em.start();

  // The samples, onboarded by this launcher as one more host of the cluster (its own data folder).
  const stores = await openStores({ DATA_DIR: cluster.dataDir('launcher'), VNFM_DATABASE_URL: cluster.databaseUrl, VNFM_DATABASE_POOL_SIZE: 2 });
  const packages = await onboardSamplePackagesAsCsar(stores.inventory, stores.packages);
  const instance = await ensureSampleInstance(stores.inventory, cluster.vimUrl, packages[0] as VnfPackageRecord);
  await stores.close();

  const token = cluster.secrets.apiToken;
  const [a, b] = [cluster.gatewayUrl(0), cluster.gatewayUrl(1)];
  console.log([
    '',
    `durable-vnfm cluster is up (${Math.round((Date.now() - started) / 1000)} s); state in ${config.CLUSTER_DIR}.`,
    `  PostgreSQL 127.0.0.1:${cluster.postgres.port}: databases temporal, temporal_visibility (Temporal) and vnfm (packages, instances, subscriptions)`,
    `  Temporal frontend ${cluster.temporalAddress} (mutual TLS: CA ${cluster.pki.ca}, client certificate ${cluster.pki.vnfm.cert}),`,
    `    history, matching and worker services as separate processes, 4 history shards`,
    `  Temporal Web UI:   ${cluster.uiUrl}/namespaces/default/workflows (codec endpoint ${cluster.codecUrl}, token in ${config.CLUSTER_DIR}/secrets.json)`,
    `  Gateways:          ${GATEWAY_NAMES[0]} ${a}, ${GATEWAY_NAMES[1]} ${b}   (X-Auth-Token: ${token})`,
    `  Workers:           ${WORKER_NAMES.join(', ')} on task queue vnflcm, each with its own data folder under ${config.CLUSTER_DIR}`,
    `  Reference EM:      http://127.0.0.1:${config.CLUSTER_EM_PORT} (BASIC tacker/tacker);  VIM simulator: ${cluster.vimUrl}/identity/v3`,
    '',
    `Demo: change the sample VNF ${instance.id} through gateway A, watch it through gateway B:`,
    `  curl -i -X POST ${a}/vnflcm/v2/vnf_instances/${instance.id}/change_vnfpkg -H 'X-Auth-Token: ${token}' -H 'Version: 2.0.0' \\`,
    `       -H 'Content-Type: application/json' -d @samples/${instance.vnfdId === packages[0]?.vnfd.vnfdId ? 'sample_param_file_for_coordination.json' : 'sample_param_file_back_to_v1.json'}`,
    `  curl -s ${b}/vnflcm/v2/vnf_lcm_op_occs -H 'X-Auth-Token: ${token}' -H 'Version: 2.0.0'`,
    `  temporal workflow list --address ${cluster.temporalAddress} --tls-ca-path ${cluster.pki.ca} --tls-cert-path ${cluster.pki.vnfm.cert} --tls-key-path ${cluster.pki.vnfm.key} --tls-server-name localhost`,
    'Ctrl-C stops everything; the next `npm run cluster` resumes.',
    '',
  ].join('\n'));
}

main().catch((err: unknown) => {
  console.error(`npm run cluster failed: ${err instanceof Error ? err.message : String(err)}`);
  stopAndExit(1);
});
