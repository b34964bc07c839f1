// The VIM simulator: Keystone, Heat and Nova endpoints over one persisted model, plus an admin
// API. Runs as its own process (main.ts) or in-process for tests.
import type { FastifyRequest } from 'fastify';
import { createApp, inScope } from '../http/app.ts';
import { listen } from '../http/listen.ts';
import { adminRoutes } from './admin.ts';
import { GuestNetwork } from './guests.ts';
import { heatRoutes } from './heat.ts';
import { KEYSTONE_PATH, TokenRegistry, keystoneRoutes } from './keystone.ts';
import { VimModel, emptyVimState } from './model.ts';
import { novaRoutes } from './nova.ts';
import { SaveScheduler, StateFile } from './state-file.ts';

export interface VimSimulatorOptions {
  /** JSON file holding the stacks and servers; created when missing. */
  stateFile: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9891; 0 picks a free port. */
  port?: number;
  /** How long a Heat update stays UPDATE_IN_PROGRESS. Default 2000 ms. */
  updateDelayMs?: number;
  /** How long a change may wait to be written to the state file (what a crash can lose). Default 1000 ms. */
  saveIntervalMs?: number;
  /** Keystone credentials; default admin / admin / project admin. */
  username?: string;
  password?: string;
  projectName?: string;
  /** Base URL put in catalogs, links and redirects; default: http:// + the request's Host header. */
  publicUrl?: string;
  /**
   * Port of the servers' guest application on their own addresses (see guests.ts); 0 picks one
   * free port for all. Without it no server answers on its address.
   */
  guestPort?: number;
  /** Let non-loopback clients use the admin API (containers on a private network). Default false. */
  adminRemote?: boolean;
  /** One line per request; default stdout. */
  log?: (line: string) => void;
}

export interface VimSimulator {
  /** Base URL, e.g. http://127.0.0.1:9891. */
  url: string;
  /** Keystone v3 base URL for VimConnection.authUrl. */
  authUrl: string;
  /** The id of the one project, as it appears in the Heat endpoint. */
  projectId: string;
  /** Where servers' guest applications answer (on each server's address), when the option was given. */
  guestPort?: number;
  /** Resolves once every server's guest application listens or has stopped as the state says now. */
  guestsSettled(): Promise<void>;
  close(): Promise<void>;
}

export async function startVimSimulator(options: VimSimulatorOptions): Promise<VimSimulator> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stateFile = new StateFile(options.stateFile);
  const stored = await stateFile.load();
  const model = new VimModel(stored ?? emptyVimState());
  const settings = { updateDelayMs: options.updateDelayMs ?? 2000 };
  const tokens = new TokenRegistry();
  const saves = new SaveScheduler(stateFile, model.state, options.saveIntervalMs ?? 1000, log);
  const guests = options.guestPort === undefined ? undefined : new GuestNetwork(model, options.guestPort, log);
  const completions = new CompletionTimer(model, () => {
    saves.changed();
    guests?.sync();
  });

  // Updates that were due while the simulator was down completed at their deadlines.
  model.completeDueUpdates(Date.now());
  await stateFile.save(model.state);
  completions.arm();
  await guests?.start();

  let url = '';
  const publicUrl = (request: FastifyRequest): string => {
    if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
    return request.headers.host ? `http://${request.headers.host}` : url;
  };
  const deps = {
    model, tokens, settings, publicUrl,
    updateDelayMs: () => settings.updateDelayMs,
    refresh: () => completions.refresh(),
    changed: () => {
      saves.changed();
      guests?.sync();
      completions.arm();
    },
  };

  const app = createApp({ log });
  // The path only: query strings are not logged, and headers (tokens) never are.
  app.addHook('onResponse', (request, reply, done) => {
    log(`${request.method} ${request.url.split('?')[0] ?? '/'} ${reply.statusCode}`);
    done();
  });
  inScope(app, (keystone) => keystoneRoutes(keystone, {
    identity: {
      username: options.username ?? 'admin',
      password: options.password ?? 'admin',
      projectName: options.projectName ?? 'admin',
    },
    tokens,
    project: { id: model.state.projectId, userId: model.state.userId },
    publicUrl,
  }));
  inScope(app, (heat) => heatRoutes(heat, deps));
  inScope(app, (nova) => novaRoutes(nova, deps));
  inScope(app, (admin) => adminRoutes(admin, { ...deps, adminRemote: options.adminRemote ?? false }));
  url = await listen(app, options.host ?? '127.0.0.1', options.port ?? 9891);

  return {
    url,
    authUrl: `${url}${KEYSTONE_PATH}`,
    projectId: model.state.projectId,
    ...(guests ? { guestPort: guests.guestPort } : {}),
    guestsSettled: async () => {
      await guests?.settled();
    },
    close: async () => {
      completions.stop();
      await guests?.close();
      await app.close();
      await saves.close();
    },
  };
}

/**
 * Completes Heat updates when their deadline passes. A timer does it for the clock; every
 * read also does it first, so state never lags behind the clock whatever the timer does.
 */
class CompletionTimer {
  private timer?: NodeJS.Timeout;
  /** The deadline the timer is set for. */
  private armedFor?: number;
  private stopped = false;

  constructor(
    private readonly model: VimModel,
    private readonly changed: () => void,
  ) {}

  refresh(): void {
    if (this.model.completeDueUpdates(Date.now())) this.changed();
    this.arm();
  }

  /** Sets the timer for the earliest deadline, unless it is already set for that one or an earlier one. */
  arm(): void {
    const next = this.model.nextCompletion();
    if (next === undefined || this.stopped) return;
    // A timer set for an earlier deadline (of an update since deleted) fires, finds nothing and re-arms.
    if (this.armedFor !== undefined && this.armedFor <= next) return;
    clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(() => {
      this.armedFor = undefined;
      this.refresh();
    }, Math.max(0, next - Date.now()));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
