// What the production processes build from their configuration and the benchmark must build the
// same way: the payload data converter (the worker and gateway encrypt workflow payloads).
import type { DataConverter } from '@temporalio/common';
import { codecDataConverter } from '../../src/codec/data-converter.ts';
import type { Env } from '../../src/config.ts';

export function productionDataConverter(config: Env): DataConverter {
  return codecDataConverter(config);
}
