// The software images a SOL001 VNFD declares: every node template (VDU or virtual storage) with
// properties.sw_image_data, as the VNFD writes them, sizes turned into bytes. The package
// management API reports them as VnfPkgInfo.softwareImages.
import { parse as parseYaml } from 'yaml';
import { VnfdError } from './vnfd.ts';

export interface VnfdSoftwareImage {
  /** Node template that carries the image (e.g. VDU1). */
  nodeName: string;
  name: string;
  version?: string;
  checksum?: { algorithm: string; hash: string };
  containerFormat?: string;
  diskFormat?: string;
  minDisk?: number;
  minRam?: number;
  size?: number;
  /** `artifacts.sw_image.file`, relative to the VNFD file, when the image is in the package. */
  artifactFile?: string;
}

type YamlMap = Record<string, unknown>;
const isMap = (v: unknown): v is YamlMap => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readSoftwareImages(yamlText: string): VnfdSoftwareImage[] {
  let doc: unknown;
  try {
    // Failsafe schema: scalars as written, so a hash of digits keeps its leading zeros.
    doc = parseYaml(yamlText, { schema: 'failsafe' });
  } catch (err) {
    throw new VnfdError(`VNFD is not valid YAML: ${(err as Error).message}`);
  }
  const topology = isMap(doc) ? doc.topology_template : undefined;
  const nodes = isMap(topology) && isMap(topology.node_templates) ? topology.node_templates : {};
  const images: VnfdSoftwareImage[] = [];
  for (const [nodeName, node] of Object.entries(nodes)) {
    const data = isMap(node) && isMap(node.properties) ? node.properties.sw_image_data : undefined;
    if (data === undefined) continue;
    if (!isMap(data) || typeof data.name !== 'string') throw new VnfdError(`${nodeName}: properties.sw_image_data has no name`);
    const text = (key: string): string | undefined => {
      const value = data[key];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    };
    const bytes = (key: string): number | undefined => {
      const value = data[key];
      return value === undefined ? undefined : sizeInBytes(value, `${nodeName}: sw_image_data.${key}`);
    };
    const checksum = data.checksum;
    const artifact = isMap(node) && isMap(node.artifacts) && isMap(node.artifacts.sw_image) ? node.artifacts.sw_image.file : undefined;
    images.push({
      nodeName,
      name: data.name,
      version: text('version'),
      checksum: isMap(checksum) && typeof checksum.algorithm === 'string' && typeof checksum.hash === 'string'
        ? { algorithm: checksum.algorithm, hash: checksum.hash }
        : undefined,
      containerFormat: text('container_format'),
      diskFormat: text('disk_format'),
      minDisk: bytes('min_disk'),
      minRam: bytes('min_ram'),
      size: bytes('size'),
      artifactFile: typeof artifact === 'string' ? artifact : undefined,
    });
  }
  return images;
}

/** TOSCA scalar-unit.size units (TOSCA Simple Profile in YAML v1.3 §3.3.6.4), case-insensitive. */
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3, tb: 1e12, tib: 1024 ** 4,
};

/** "1 GB" → 1000000000; a bare number is bytes. Linear in the text (no backtracking pattern). */
export function sizeInBytes(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  const scalar = typeof value === 'string' ? scalarUnit(value.trim()) : undefined;
  const factor = scalar ? SIZE_UNITS[scalar.unit.toLowerCase() || 'b'] : undefined;
  if (!scalar || factor === undefined) {
    throw new VnfdError(`${what} is ${JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value)}, not a TOSCA scalar-unit.size such as "1 GB"`);
  }
  return Math.round(scalar.number * factor);
}

/** "1.5 GiB" → { number: 1.5, unit: 'GiB' }: digits, at most one '.', spaces, letters. */
function scalarUnit(text: string): { number: number; unit: string } | undefined {
  const digitsFrom = (start: number): number => {
    let at = start;
    while (at < text.length && text[at]! >= '0' && text[at]! <= '9') at++;
    return at;
  };
  let i = digitsFrom(0);
  if (i === 0) return undefined;
  if (text[i] === '.') {
    const fractionEnd = digitsFrom(i + 1);
    if (fractionEnd === i + 1) return undefined;
    i = fractionEnd;
  }
  const number = Number(text.slice(0, i));
  while (text[i] === ' ' || text[i] === '\t') i++;
  const unit = text.slice(i);
  return [...unit].every((c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ? { number, unit } : undefined;
}
